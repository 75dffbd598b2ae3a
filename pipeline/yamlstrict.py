"""Strict, bounded YAML parsing with positions (`.json` files go to pipeline/strictjson.py).

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
- The YAML 1.2 rules libyaml misses (measured with the yaml-test-suite, see
  tests/pipeline/test_yaml_suite.py) are checked in pipeline/yamlgrammar.py.
Every error carries a 1-based line and column.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from pipeline import yamlgrammar
from pipeline.parsed import (
    DEFAULT_LIMITS,
    LINE_BREAKS,
    LoadLimits,
    Mark,
    Parsed,
    Span,
    YamlError,
    beyond_float,
    line_starts,
    position,
    too_large,
)

__all__ = ["DEFAULT_LIMITS", "LoadLimits", "Parsed", "YamlError", "decode", "parse", "parse_file"]

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


def parse_file(path: str, text: str, limits: LoadLimits = DEFAULT_LIMITS) -> Parsed:
    """Parse a config file by its name: `.json` as strict JSON (RFC 8259), anything else as YAML."""
    if path.endswith(".json"):
        from pipeline import strictjson

        return strictjson.parse(text, limits)
    return parse(text, limits)


def _byte_position(data: bytes, offset: int) -> Mark:
    """The line and column (in characters) of a byte, counting lines as the parsers do."""
    before = data[:offset].decode("utf-8", "replace")
    return position(line_starts(before, LINE_BREAKS), len(before))


def _mark(event: Any) -> Mark:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _span(event: Any) -> tuple[Mark, Mark]:
    """An event's start and end as libyaml gives them (0-based), for the grammar checks."""
    start, end = event.start_mark, event.end_mark
    return (start.line, start.column), (end.line, end.column)


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
        raise too_large(event.value, _mark(event)) from None
    if isinstance(value, int) and beyond_float(value):
        raise too_large(event.value, _mark(event))
    return value


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


# What may stand between a node's properties and its scalar: white space, line breaks (libyaml's
# set), comments, and further properties.
_SPACE = re.compile(r"[ \t\r\n\x85\u2028\u2029]+|#[^\r\n\x85\u2028\u2029]*")
_PROPERTY = re.compile(r"[&!][^ \t\r\n\x85\u2028\u2029,\[\]{}]*")


def _scalar_span(text: str, event: Any) -> Span:
    """A scalar event's Span: libyaml's start is the node's (its properties first); the scalar's own
    start is past those, and a block scalar ends at its last non-blank character."""
    start, end = int(event.start_mark.index), int(event.end_mark.index)
    scalar = start
    if event.anchor is not None or event.tag is not None:
        while scalar < end and (found := (_SPACE.match(text, scalar) or _PROPERTY.match(text, scalar))):
            scalar = found.end()
    style = event.style or ""
    if style in ("|", ">"):
        end = scalar + len(text[scalar:end].rstrip(" \t\r\n\x85\u2028\u2029"))
    return Span(start, scalar, end, style)


class _Frame:
    __slots__ = (
        "anchor",
        "container",
        "count",
        "flow",
        "indent",
        "key",
        "key_mark",
        "mark",
        "marks",
        "spans",
        "start_line",
    )

    def __init__(self, container: dict[str, Any] | list[Any], anchor: str | None, mark: Mark) -> None:
        self.container = container
        self.anchor = anchor
        self.mark = mark
        self.count = 1
        self.key: str | None = None
        self.key_mark: Mark = (1, 1)
        self.marks: dict[Any, Mark] = {}
        self.spans: dict[Any, Span] = {}
        self.flow = False
        self.indent = -1  # a block collection's indentation (0-based column); -1 when unknown
        self.start_line = 0


def _block_indent(event: Any, is_map: bool) -> int:
    """A block collection's start mark is its first key or `-`, unless properties come first."""
    if event.anchor is None and event.tag is None:
        return int(event.start_mark.column)
    return -2 if is_map else -1  # -2: take the first key's column; -1: unknown, be permissive


def parse(text: str, limits: LoadLimits = DEFAULT_LIMITS) -> Parsed:
    """Parse exactly one YAML (or JSON) document, strictly. Raises YamlError."""
    yamlgrammar.check_characters(text)
    if text and not text.endswith(("\n", "\r")):
        # YAML ends the last line at the end of input; libyaml drops a block scalar's last
        # line break when the file has no final newline (`|` then `x` then spaces: "x\n " for "x\n \n").
        text += "\n"
    source = yamlgrammar.Source(text)
    comments = yamlgrammar.GluedComments(source)
    may_be_flow_key = "?" in text
    parser = _Parser(text)
    stack: list[_Frame] = []
    # An anchor names its latest definition: a value, or the still-open frame (then an alias is recursive).
    anchors: dict[str, tuple[Any, int] | _Frame] = {}
    marks: dict[int, dict[Any, Mark]] = {}
    spans: dict[int, dict[Any, Span]] = {}
    alias_nodes = 0
    documents = 0
    root: list[tuple[Any, Mark]] = []

    def add(value: Any, mark: Mark, count: int, span: Span | None = None) -> None:
        if not stack:
            root.append((value, mark))
            return
        top = stack[-1]
        container = top.container
        if isinstance(container, list):
            top.marks[len(container)] = mark
            if span is not None:
                top.spans[len(container)] = span
            container.append(value)
        elif top.key is None:
            if not isinstance(value, str):
                raise YamlError("non-string-key", f"mapping key {value!r} is not a string; quote it", *mark)
            if value in container:
                raise YamlError("duplicate-key", f"duplicate key {value!r}", *mark)
            top.key, top.key_mark = value, mark
            if top.indent == -2:  # a mapping with properties: its first key's line gives its indentation
                key_line = source.line(mark[0] - 1)
                top.indent = min(mark[1] - 1, len(key_line) - len(key_line.lstrip(" ")))
            return  # a key is not a node of the document's value
        else:
            container[top.key] = value
            top.marks[top.key] = top.key_mark
            if span is not None:
                top.spans[top.key] = span
            top.key = None
        top.count += count

    def expecting_key() -> bool:
        return bool(stack) and isinstance(stack[-1].container, dict) and stack[-1].key is None

    def block_indent() -> int:
        """The indentation a multi-line node must pass: that of the innermost block collection."""
        return max(stack[-1].indent, -1) if stack else -1

    def in_flow() -> bool:
        return bool(stack) and stack[-1].flow

    def check_anchor(event: Any, sigil: str) -> None:
        line, column = _span(event)[0]
        yamlgrammar.check_property_name(source, line, column, sigil, str(event.anchor))

    try:
        while True:
            event: Any = parser.get_event()
            if isinstance(event, yaml.ScalarEvent):
                if comments.pending:
                    comments.span(*_span(event))
                is_key = expecting_key()
                if is_key and event.value == "<<" and event.implicit[0] and event.tag is None:
                    raise YamlError("merge-key", "merge keys (<<) are not supported", *_mark(event))
                if event.anchor is not None:
                    check_anchor(event, "&")
                # The grammar checks, cheapest test first: most scalars are plain and on one line.
                style = event.style
                if stack and stack[-1].flow:
                    if may_be_flow_key or (not style and event.value == "-"):
                        yamlgrammar.check_flow_scalar(source, *_span(event)[0], event.value, not style)
                else:
                    start_mark: Any = event.start_mark
                    end_mark: Any = event.end_mark
                    indent = stack[-1].indent if stack else -1
                    if start_mark.column <= indent and not is_key and (style or event.value):
                        yamlgrammar.check_under_parent(start_mark.line, start_mark.column, indent)
                    if style in ("|", ">"):
                        yamlgrammar.check_block_scalar(source, start_mark.line, start_mark.column, indent)
                    elif end_mark.line > start_mark.line:
                        yamlgrammar.check_continuation(source, start_mark.line, end_mark.line, indent, False)
                value = _scalar_value(event)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                add(value, _mark(event), 1, None if is_key else _scalar_span(text, event))
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                mark = _mark(event)
                if expecting_key():
                    raise YamlError("non-string-key", "mapping keys must be strings", *mark)
                is_map = isinstance(event, yaml.MappingStartEvent)
                if event.tag not in (None, "!", _MAP if is_map else _SEQ):
                    raise YamlError("yaml-tag", f"tag {event.tag!r} is not allowed", *mark)
                if len(stack) >= limits.max_depth:
                    raise YamlError("nesting-depth", f"nesting deeper than {limits.max_depth} levels", *mark)
                frame = _Frame({} if is_map else [], event.anchor, mark)
                if event.flow_style:
                    if stack and not stack[-1].flow:
                        yamlgrammar.check_under_parent(*_span(event)[0], block_indent())
                    frame.flow = True
                    frame.indent = block_indent()
                    frame.start_line = _span(event)[0][0]
                else:
                    frame.indent = _block_indent(event, is_map)
                stack.append(frame)
                if event.anchor is not None:
                    check_anchor(event, "&")
                    anchors[event.anchor] = frame
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = stack.pop()
                last_line = _span(event)[1][0]
                if frame.flow and not in_flow() and last_line > frame.start_line:
                    yamlgrammar.check_continuation(source, frame.start_line, last_line, frame.indent, True)
                marks[id(frame.container)] = frame.marks
                if frame.spans:
                    spans[id(frame.container)] = frame.spans
                if frame.anchor is not None and anchors.get(frame.anchor) is frame:
                    anchors[frame.anchor] = (frame.container, frame.count)
                add(frame.container, frame.mark, frame.count)
            elif isinstance(event, yaml.AliasEvent):
                mark = _mark(event)
                if comments.pending:
                    comments.span(*_span(event))
                check_anchor(event, "*")
                target = anchors.get(str(event.anchor))
                if target is None:
                    raise YamlError("yaml-alias", f"undefined alias *{event.anchor}", *mark)
                if isinstance(target, _Frame):
                    raise YamlError("yaml-alias", f"alias *{event.anchor} refers to itself", *mark)
                value, count = target
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
                if comments.pending:
                    comments.finish()
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
        raise YamlError("yaml-syntax", str(exc).splitlines()[0]) from None
    finally:
        parser.dispose()
    if not root:
        raise YamlError("empty-document", "the file holds no document")
    value, mark = root[0]
    return Parsed(value, mark, marks, spans)
