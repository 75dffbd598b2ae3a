"""Strict, bounded YAML/JSON parsing with positions.

We drive libyaml's event stream ourselves instead of using a composer or constructor:
- PyYAML's C composer recurses on the C stack and crashes the process on deeply nested input;
  walking events with an explicit stack lets us stop at a depth bound instead.
- Aliases are counted as they are used, so a billion-laughs file fails after a few thousand nodes
  in bounded memory and time, and a recursive alias is an error rather than a cycle.
- Plain scalars resolve by the YAML 1.2 core schema (`yes`, `on`, `2024-01-01` stay strings), and
  any tag outside it (`!!python/object`, `!!binary`, `!custom` ...) is refused.
- Duplicate keys, non-string keys, merge keys and extra documents are errors.
- Numbers stay within a 64-bit float's range: a 5,000-digit integer would make `int()` raise (and
  a huge one fail every later `str()` or `float()` of it), so it is an error, not a crash.
Every error carries a 1-based line and column.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml makes parsing several times faster; the pure-Python parser is also iterative
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _BaseParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _BaseParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _BaseParser.__init__(self)

        def dispose(self) -> None:
            pass


_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ = _CORE + "map", _CORE + "seq"

_NULL_RE = re.compile(r"~|null|Null|NULL|")
_BOOL_RE = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT_RE = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN"
)


@dataclass(frozen=True)
class LoadLimits:
    """Bounds that make hostile input fail fast. All are configurable from the command line."""

    max_bytes: int = 1 << 20
    max_alias_nodes: int = 10_000
    max_depth: int = 64


DEFAULT_LIMITS = LoadLimits()


class YamlError(Exception):
    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


Mark = tuple[int, int]


@dataclass(frozen=True)
class Parsed:
    """A parsed document and where each of its values starts in the file."""

    value: Any
    root_mark: Mark
    # id(container) -> key or index -> (line, column). Containers stay alive inside `value`.
    marks: dict[int, dict[Any, Mark]] = field(repr=False)

    def locate(self, path: Sequence[str | int]) -> Mark:
        """The position of the deepest existing value along `path` (the parent for a missing key)."""
        node, mark = self.value, self.root_mark
        for part in path:
            child_marks = self.marks.get(id(node))
            if child_marks is None or part not in child_marks:
                break
            mark = child_marks[part]
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        return mark


def decode(data: bytes, limits: LoadLimits) -> str:
    if len(data) > limits.max_bytes:
        raise YamlError("file-too-large", f"file is {len(data)} bytes, over the limit of {limits.max_bytes} bytes")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _byte_position(data, nul)
        raise YamlError("encoding", "binary content (NUL byte); config files are UTF-8 text", line, col)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        raise YamlError("encoding", f"invalid UTF-8 byte 0x{data[exc.start]:02x}", line, col) from None


def _byte_position(data: bytes, offset: int) -> Mark:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _mark(event: Any) -> Mark:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _resolve_plain(text: str) -> tuple[str, Any]:
    if _NULL_RE.fullmatch(text):
        return _NULL, None
    first = text[0]
    if first in "tTfF" and _BOOL_RE.fullmatch(text):
        return _BOOL, text[0] in "tT"
    if first in "-+0123456789.":
        if _INT_RE.fullmatch(text):
            return _INT, _to_int(text)
        if _FLOAT_RE.fullmatch(text):
            special = text.lstrip("+-").lower() in (".inf", ".nan")
            return _FLOAT, float(text.replace(".", "", 1) if special else text)
    return _STR, text


def _to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _scalar_value(event: Any) -> Any:
    try:
        value = _typed_value(event)
    except (ValueError, OverflowError):  # int() past 4,300 digits; float() of an integer past 1.8e308
        raise _too_large(event) from None
    if isinstance(value, int) and abs(value) > sys.float_info.max:  # hex and octal have no digit limit
        raise _too_large(event)
    return value


def _too_large(event: Any) -> YamlError:
    text: str = event.value
    shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"
    return YamlError("number-too-large", f"{shown} is beyond the range of a 64-bit float", *_mark(event))


def _typed_value(event: Any) -> Any:
    tag = event.tag
    text: str = event.value
    if tag is None or tag == "!":
        if tag is None and event.implicit[0]:
            _, value = _resolve_plain(text)
        else:
            value = text
    elif tag == _STR:
        value = text
    elif tag in (_INT, _FLOAT, _BOOL, _NULL):
        resolved, value = _resolve_plain(text)
        if resolved == _INT and tag == _FLOAT:
            value = float(value)
        elif resolved != tag:
            raise YamlError("yaml-tag", f"{text!r} is not a valid {tag.rsplit(':', 1)[1]}", *_mark(event))
    else:
        raise YamlError("yaml-tag", f"tag {tag!r} is not allowed (only the YAML core schema)", *_mark(event))
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlError("non-finite-number", f"{text!r}: infinity and NaN are not allowed", *_mark(event))
    return value


class _Frame:
    __slots__ = ("anchor", "container", "count", "key", "key_mark", "mark", "marks")

    def __init__(self, container: dict[str, Any] | list[Any], anchor: str | None, mark: Mark) -> None:
        self.container = container
        self.anchor = anchor
        self.mark = mark
        self.count = 1
        self.key: str | None = None
        self.key_mark: Mark = (1, 1)
        self.marks: dict[Any, Mark] = {}


def parse(text: str, limits: LoadLimits = DEFAULT_LIMITS) -> Parsed:
    """Parse exactly one YAML (or JSON) document, strictly. Raises YamlError."""
    parser = _Parser(text)
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    open_anchors: set[str] = set()
    marks: dict[int, dict[Any, Mark]] = {}
    alias_nodes = 0
    documents = 0
    root: list[tuple[Any, Mark]] = []

    def add(value: Any, mark: Mark, count: int) -> None:
        if not stack:
            root.append((value, mark))
            return
        top = stack[-1]
        container = top.container
        if isinstance(container, list):
            top.marks[len(container)] = mark
            container.append(value)
        elif top.key is None:
            if not isinstance(value, str):
                raise YamlError("non-string-key", f"mapping key {value!r} is not a string; quote it", *mark)
            if value in container:
                raise YamlError("duplicate-key", f"duplicate key {value!r}", *mark)
            top.key, top.key_mark = value, mark
            return  # a key is not a node of the document's value
        else:
            container[top.key] = value
            top.marks[top.key] = top.key_mark
            top.key = None
        top.count += count

    def expecting_key() -> bool:
        return bool(stack) and isinstance(stack[-1].container, dict) and stack[-1].key is None

    try:
        while True:
            event = parser.get_event()
            if isinstance(event, yaml.ScalarEvent):
                if expecting_key() and event.value == "<<" and event.implicit[0] and event.tag is None:
                    raise YamlError("merge-key", "merge keys (<<) are not supported", *_mark(event))
                value = _scalar_value(event)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                add(value, _mark(event), 1)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                mark = _mark(event)
                if expecting_key():
                    raise YamlError("non-string-key", "mapping keys must be strings", *mark)
                is_map = isinstance(event, yaml.MappingStartEvent)
                if event.tag not in (None, "!", _MAP if is_map else _SEQ):
                    raise YamlError("yaml-tag", f"tag {event.tag!r} is not allowed", *mark)
                if len(stack) >= limits.max_depth:
                    raise YamlError("nesting-depth", f"nesting deeper than {limits.max_depth} levels", *mark)
                stack.append(_Frame({} if is_map else [], event.anchor, mark))
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = stack.pop()
                marks[id(frame.container)] = frame.marks
                if frame.anchor is not None:
                    open_anchors.discard(frame.anchor)
                    anchors[frame.anchor] = (frame.container, frame.count)
                add(frame.container, frame.mark, frame.count)
            elif isinstance(event, yaml.AliasEvent):
                mark = _mark(event)
                if event.anchor in open_anchors:
                    raise YamlError("yaml-alias", f"alias *{event.anchor} refers to itself", *mark)
                if event.anchor not in anchors:
                    raise YamlError("yaml-alias", f"undefined alias *{event.anchor}", *mark)
                value, count = anchors[event.anchor]
                alias_nodes += count
                if alias_nodes > limits.max_alias_nodes:
                    raise YamlError(
                        "alias-bound",
                        f"aliases expand to more than {limits.max_alias_nodes} nodes",
                        *mark,
                    )
                add(value, mark, count)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlError("multiple-documents", "more than one document in the file", *_mark(event))
            elif isinstance(event, yaml.StreamEndEvent):
                break
    except yaml.MarkedYAMLError as exc:
        mark_obj = exc.problem_mark or exc.context_mark
        line, col = (mark_obj.line + 1, mark_obj.column + 1) if mark_obj else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        # Newer libyaml builds bound nesting in the scanner itself, before our own bound sees events.
        rule = "nesting-depth" if "nesting depth" in problem else "yaml-syntax"
        raise YamlError(rule, problem, line, col) from None
    except yaml.YAMLError as exc:
        raise YamlError("yaml-syntax", str(exc)) from None
    finally:
        parser.dispose()
    if not root:
        raise YamlError("empty-document", "the file holds no document")
    value, mark = root[0]
    return Parsed(value, mark, marks)
