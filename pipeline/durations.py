"""ISO 8601 durations (weeks, days, hours, minutes, seconds) as timedelta."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

# Years and months have no fixed length, so a rollout interval may not use them.
DURATION_RE = re.compile(r"P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_ADAPTER = TypeAdapter(timedelta)


def parse_duration(text: str) -> timedelta | None:
    if not isinstance(text, str) or not DURATION_RE.fullmatch(text):
        return None
    try:
        return _ADAPTER.validate_python(text)
    except ValidationError:
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
