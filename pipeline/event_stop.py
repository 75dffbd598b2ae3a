"""The kill switch's edit, pure: end a live event now by rewriting only its times in the file's text.

`stop_text` replaces the value of `spec.end` (and of each `spec.windows[i].end`) with the stop
instant where it ends later, keeping the quoting, comments, order and every other byte. A window
that had not started yet becomes the one second just before the stop (a window must end after it
starts), so it is over as well. The edit is a function of the file's bytes and the stop alone:
applied to main's file and to a ring's identical file it gives identical bytes, and applying it
again changes nothing (`apply_stops` is idempotent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contract.instants import format_instant, parse_instant
from pipeline.parsed import Parsed, YamlError
from pipeline.yamlstrict import DEFAULT_LIMITS, decode, parse_file

_PLAIN = re.compile(r"[0-9A-Za-z:.+-]+")
JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Stop:
    """A recorded stop: the event `event` ends at `at` (a whole second, UTC) everywhere."""

    event: str
    at: datetime


def stop_instant(now: datetime) -> datetime:
    """The stop's instant: `now` to the whole second below, so it is already past when written."""
    return now.replace(microsecond=0)


def _parsed_event(path: str, text: str, name: str) -> Parsed | None:
    try:
        parsed = parse_file(path, text, DEFAULT_LIMITS)
    except (YamlError, ValueError, RecursionError):
        return None
    value = parsed.value
    if not isinstance(value, dict) or value.get("kind") != "LiveEvent":
        return None
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("name") != name or not isinstance(value.get("spec"), dict):
        return None
    return parsed


def _edits(spec: Mapping[str, object], at: datetime) -> list[tuple[JsonPath, datetime]]:
    """The (path, new instant) pairs that end the event at `at`."""
    edits: list[tuple[JsonPath, datetime]] = []
    windows = spec.get("windows")
    items = list(enumerate(windows)) if isinstance(windows, list) else []
    spans: list[tuple[JsonPath, Mapping[str, object]]] = [(("spec",), spec)]
    spans += [(("spec", "windows", i), w) for i, w in items if isinstance(w, dict)]
    for prefix, span in spans:
        start, end = parse_instant(span.get("start")), parse_instant(span.get("end"))
        if end is not None and end > at:
            edits.append(((*prefix, "end"), at))
            if start is not None and start >= at:
                edits.append(((*prefix, "start"), at - timedelta(seconds=1)))
    return edits


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def _value_offset(text: str, parsed: Parsed, path: JsonPath) -> int:
    """Where the value of `path` starts: its mark is the key's; the value follows `key:`."""
    offset = _offset(text, *parsed.locate(path))
    key = re.escape(str(path[-1]))
    match = re.compile(rf"(?:\"{key}\"|'{key}'|{key})[ \t]*:[ \t]*").match(text, offset)
    if match is None:
        raise ValueError(f"cannot find the value of {path[-1]!r} at offset {offset}")
    return match.end()


def _replace_scalar(text: str, offset: int, value: str) -> str:
    quote = text[offset]
    if quote in "\"'":
        close = text.find(quote, offset + 1)
        return text[: offset + 1] + value + text[close:]
    match = _PLAIN.match(text, offset)
    length = match.end() - offset if match else 0
    return text[:offset] + value + text[offset + length :]


def stop_text(path: str, text: str, name: str, at: datetime) -> str | None:
    """The file's text with the event `name` ended at `at`; None when the file is not that event."""
    parsed = _parsed_event(path, text, name)
    if parsed is None:
        return None
    edits = _edits(parsed.value["spec"], at)
    offsets = sorted(((_value_offset(text, parsed, p), when) for p, when in edits), reverse=True)
    for offset, when in offsets:  # from the end of the text: earlier offsets stay valid
        text = _replace_scalar(text, offset, format_instant(when))
    return text


def event_file(files: Mapping[str, bytes], name: str) -> str | None:
    """The path (among `files`) of the LiveEvent named `name`."""
    for path in sorted(files):
        data = files[path]
        if b"LiveEvent" not in data or not path.endswith((".yaml", ".yml", ".json")):
            continue
        try:
            text = decode(data, DEFAULT_LIMITS)
        except YamlError:
            continue
        if _parsed_event(path, text, name) is not None:
            return path
    return None


def events_in(files: Mapping[str, bytes]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """The LiveEvent documents among config files: name -> (path, spec). Unreadable files are skipped."""
    known: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for path, data in sorted(files.items()):
        if b"LiveEvent" not in data:
            continue
        try:
            value = parse_file(path, decode(data, DEFAULT_LIMITS), DEFAULT_LIMITS).value
        except (YamlError, ValueError, RecursionError):
            continue
        if isinstance(value, dict) and value.get("kind") == "LiveEvent" and isinstance(value.get("spec"), dict):
            metadata = value.get("metadata")
            name = metadata.get("name") if isinstance(metadata, dict) else None
            if isinstance(name, str):
                known[name] = (path, value["spec"])
    return known


def apply_stops(files: Mapping[str, bytes], stops: Iterable[Stop]) -> dict[str, bytes]:
    """`files` (path -> bytes) with every recorded stop applied; only changed files differ."""
    out = dict(files)
    for stop in stops:
        path = event_file(out, stop.event)
        if path is None:
            continue
        edited = stop_text(path, decode(out[path], DEFAULT_LIMITS), stop.event, stop.at)
        if edited is not None:
            out[path] = edited.encode()
    return out


def changed(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> Sequence[str]:
    return sorted(p for p in after if before.get(p) != after[p])
