"""ISO 8601 durations (weeks, days, hours, minutes, seconds) as timedelta."""

from __future__ import annotations

import re
from datetime import timedelta

# Years and months have no fixed length, so a rollout interval may not use them.
DURATION_RE = re.compile(r"P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", re.ASCII)
_UNITS = {"W": "weeks", "D": "days", "H": "hours", "M": "minutes", "S": "seconds"}


def parse_duration(text: str) -> timedelta | None:
    """Computed from the match itself: no parsing library to import (start-up time of every command)."""
    match = DURATION_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    parts = {_UNITS[g[-1]]: float(g[:-1]) for g in match.group(1, 2, 4, 5, 6) if g}
    if any(len(g) > 15 for g in match.group(1, 2, 4, 5, 6) if g):
        return None  # beyond any real interval, and beyond what timedelta or a float holds exactly
    try:
        return timedelta(**parts)
    except OverflowError:
        return None


def format_duration(value: timedelta) -> str:
    """A short human form: 1h30m, 2d4h, 45s."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
