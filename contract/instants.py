"""Instants: the one parser and the one formatter of every instant HotSwap reads or writes (commit
trailers such as `Hotswap-Switch-At` and `Hotswap-Not-Before`, LiveEvent and RolloutPolicy fields,
the ledger).

An instant is RFC 3339 with an upper-case `T`, seconds, an optional fraction and `Z` or `±hh:mm`
(`2026-11-29T18:00:05Z`, `2026-11-29T20:00:05.250+02:00`). Anything else (no seconds, a space for
the `T`, no offset, a date that does not exist, a leap second) is refused, never guessed at. Written
instants are always UTC with milliseconds and `Z` (`2026-11-29T18:00:05.000Z`): the form agents have
read in `Hotswap-Switch-At` from the start, so agents of every version read what is written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# The schemas' `pattern` for an instant (LiveEvent, RolloutPolicy); a test holds them to this one.
INSTANT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
EXAMPLE = "2026-11-29T18:00:05Z"
_FORM = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)


class InstantError(ValueError):
    """Text that is not an instant; the message says why, for a finding or a log line."""


def read_instant(text: object) -> datetime:
    """The instant `text` names, as an aware UTC datetime (a fraction beyond microseconds is cut)."""
    match = _FORM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InstantError(
            f"{text!r} is not an RFC 3339 instant such as {EXAMPLE} (date, T, time with seconds, Z or ±hh:mm)"
        )
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    micro = int((match[7] or "0")[:6].ljust(6, "0"))
    offset_h, offset_m = int(match[10] or 0), int(match[11] or 0)
    if offset_h > 23 or offset_m > 59:
        raise InstantError(f"{text!r}: the offset {match[9]}{match[10]}:{match[11]} does not exist")
    offset = timedelta(hours=offset_h, minutes=offset_m) * (-1 if match[9] == "-" else 1)
    try:
        # a leap second (:60) is refused here too: servers' clocks smear it, no instant names it
        when = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
    except ValueError as exc:
        raise InstantError(f"{text!r} is not a date and time that exists ({exc})") from None
    try:
        return when.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 lies before the first UTC instant
        raise InstantError(f"{text!r} is out of range") from None


def parse_instant(text: object) -> datetime | None:
    """`read_instant`, None for anything that is not an instant."""
    try:
        return read_instant(text)
    except InstantError:
        return None


def instant_problem(text: object) -> str | None:
    """Why `text` is not an instant (for a finding), None when it is one."""
    try:
        read_instant(text)
    except InstantError as exc:
        return str(exc)
    return None


def format_instant(when: datetime) -> str:
    """`when` as every instant is written: UTC, RFC 3339 with milliseconds and `Z`."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
