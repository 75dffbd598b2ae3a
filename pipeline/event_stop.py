"""The kill switch's edit, pure: end a live event now by rewriting only its times in the file's text.

`stop_text` replaces the value of `spec.end` (and of each `spec.windows[i].end`) with the stop
instant where it ends later, keeping the quoting, comments, order and every other byte. A window
that had not started yet becomes the one second just before the stop (a window must end after it
starts), so it is over as well. The edit is a function of the file's bytes and the stop alone:
applied to main's file and to a ring's identical file it gives identical bytes, and applying it
again changes nothing (`apply_stops` is idempotent).

The edit goes by position: the loader records where each scalar value lies (`Parsed.span`), so an
anchor, a tag, a comment, a value on the next line, a block scalar, an explicit `? end` key or a
JSON escape in the key cannot misplace it. The edited text is then loaded again and must differ
from the file in exactly the edited times; otherwise the stop is refused (`Uneditable`), never
written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contract.instants import format_instant, parse_instant
from pipeline.parsed import Parsed, Span, YamlError
from pipeline.yamlstrict import DEFAULT_LIMITS, decode, parse_file

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


class Uneditable(Exception):
    """The stop cannot be written into this file safely: the edit would change more than the event's
    times (or not parse). The message names the file, the line and the field."""

    def __init__(self, path: str, line: int, field: str, reason: str) -> None:
        super().__init__(f"{path}:{line}: {field}: {reason}; edit the file by hand, then stop again")
        self.path, self.line, self.field, self.reason = path, line, field, reason


def _field(path: JsonPath) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _scalar(text: str, span: Span, value: str) -> str:
    """The node rewritten to `value`: its anchor, tag and comments kept, the scalar in a form valid
    where it stands (a quoted one keeps its quotes; a block scalar becomes double-quoted)."""
    if span.style in ("'", '"'):
        value = f"{span.style}{value}{span.style}"
    elif span.style:
        value = f'"{value}"'
    return text[span.start : span.scalar] + value


def _copy_with(value: Any, path: JsonPath, new: str) -> Any:
    """`value` copied along `path` (never shared, as an alias would be) with `new` at its end."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _copy_with(v, rest, new) if k == head else v for k, v in value.items()}
    return [_copy_with(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (1, 1.0 and True are three different values)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _edited_text(text: str, parsed: Parsed, edits: list[tuple[JsonPath, datetime]]) -> str:
    """The text with each edit's scalar replaced, by the loader's own spans, from the end backwards
    (earlier offsets stay valid). An alias has no span: its anchor's edit is checked to cover it."""
    spans: dict[int, tuple[Span, str]] = {}
    for where, when in edits:
        span = parsed.span(where)
        if span is not None:
            spans[span.start] = (span, format_instant(when))
    out = text
    for start in sorted(spans, reverse=True):
        span, value = spans[start]
        out = out[:start] + _scalar(text, span, value) + out[span.end :]
    return out


def _check(path: str, parsed: Parsed, edits: list[tuple[JsonPath, datetime]], out: str) -> None:
    """Load the edited text again: exactly the edited times may differ from the file before."""
    line, field = parsed.locate(edits[0][0])[0], _field(edits[0][0])
    try:
        after = parse_file(path, out, DEFAULT_LIMITS).value
    except (YamlError, ValueError, RecursionError) as exc:
        raise Uneditable(path, line, field, f"the edited file does not load ({exc})") from None
    expected = parsed.value
    for where, when in edits:
        expected = _copy_with(expected, where, format_instant(when))
    if not _same(after, expected):
        wrong = next((w for w, t in edits if _at(after, w) != format_instant(t)), None)
        if wrong is not None:
            line, field = parsed.locate(wrong)[0], _field(wrong)
            raise Uneditable(path, line, field, "its value is an alias of another value, which would change too")
        raise Uneditable(path, line, field, "the edit would change other values too (an anchor used elsewhere?)")


def _at(value: Any, path: JsonPath) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def stop_text(path: str, text: str, name: str, at: datetime) -> str | None:
    """The file's text with the event `name` ended at `at`; None when the file is not that event.
    Raises Uneditable when the edit cannot be made without changing anything else."""
    parsed = _parsed_event(path, text, name)
    if parsed is None:
        return None
    edits = _edits(parsed.value["spec"], at)
    if not edits:
        return text
    out = _edited_text(text, parsed, edits)
    _check(path, parsed, edits, out)
    return out


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
