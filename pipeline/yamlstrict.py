"""Strict, bounded YAML parsing with positions (`.json` files go to pipeline/strictjson.py).

We drive libyaml's event stream ourselves instead of using a composer or constructor:
- PyYAML's C composer recurses on the C stack and crashes the process on deeply nested input;
  walking events with an explicit stack lets us stop at a depth bound instead.
- Aliases are counted as they are used, so a billion-laughs file fails after a few thousand nodes
  in bounded memory and time, and a recursive alias is an error rather than a cycle.
- Plain scalars resolve by the YAML 1.2 core schema (`yes`, `on`, `2024-01-01` stay strings), and
  any tag outside it (`!!python/object`, `!!binary`, `!custom` ...) is refused (pipeline/yamlscalars.py).
- Duplicate keys, non-string keys, merge keys and extra documents are errors.
- Numbers stay within a 64-bit float's range: a 5,000-digit integer would make `int()` raise (and
  a huge one fail every later `str()` or `float()` of it), so it is an error, not a crash
  (pipeline/yamlscalars.py).
- The YAML 1.2 rules libyaml misses (measured with the yaml-test-suite, see
  tests/pipeline/test_yaml_suite.py) are checked in pipeline/yamlgrammar.py.
Every error carries a 1-based line and column.
"""

from __future__ import annotations

from collections.abc import Callable
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
    line_starts,
    position,
)
from pipeline.yamlscalars import MAP_TAG, SEQ_TAG, event_mark, scalar_span, scalar_value

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


def _span(event: Any) -> tuple[Mark, Mark]:
    """An event's start and end as libyaml gives them (0-based), for the grammar checks."""
    start, end = event.start_mark, event.end_mark
    return (start.line, start.column), (end.line, end.column)


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


class _Events:
    """One document's walk through libyaml's events: the open collections, the anchors, the marks and
    spans found so far; one method per kind of event (parse's loop dispatches on the event's type)."""

    __slots__ = (
        "alias_nodes",
        "anchors",
        "comments",
        "documents",
        "limits",
        "marks",
        "may_be_flow_key",
        "root",
        "source",
        "spans",
        "stack",
        "text",
    )

    def __init__(self, text: str, limits: LoadLimits) -> None:
        self.text = text
        self.limits = limits
        self.source = yamlgrammar.Source(text)
        self.comments = yamlgrammar.GluedComments(self.source)
        self.may_be_flow_key = "?" in text
        self.stack: list[_Frame] = []
        # An anchor names its latest definition: a value, or the still-open frame (then an alias is recursive).
        self.anchors: dict[str, tuple[Any, int] | _Frame] = {}
        self.marks: dict[int, dict[Any, Mark]] = {}
        self.spans: dict[int, dict[Any, Span]] = {}
        self.alias_nodes = 0
        self.documents = 0
        self.root: list[tuple[Any, Mark]] = []

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The method for each kind of event; the kinds not listed carry nothing to check or keep."""
        return {
            yaml.ScalarEvent: self.scalar,
            yaml.MappingStartEvent: self.start,
            yaml.SequenceStartEvent: self.start,
            yaml.MappingEndEvent: self.end,
            yaml.SequenceEndEvent: self.end,
            yaml.AliasEvent: self.alias,
            yaml.DocumentStartEvent: self.document,
        }

    def add(self, value: Any, mark: Mark, count: int, span: Span | None = None) -> None:
        stack = self.stack
        if not stack:
            self.root.append((value, mark))
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
                key_line = self.source.line(mark[0] - 1)
                top.indent = min(mark[1] - 1, len(key_line) - len(key_line.lstrip(" ")))
            return  # a key is not a node of the document's value
        else:
            container[top.key] = value
            top.marks[top.key] = top.key_mark
            if span is not None:
                top.spans[top.key] = span
            top.key = None
        top.count += count

    def expecting_key(self) -> bool:
        stack = self.stack
        return bool(stack) and isinstance(stack[-1].container, dict) and stack[-1].key is None

    def block_indent(self) -> int:
        """The indentation a multi-line node must pass: that of the innermost block collection."""
        return max(self.stack[-1].indent, -1) if self.stack else -1

    def in_flow(self) -> bool:
        return bool(self.stack) and self.stack[-1].flow

    def check_anchor(self, event: Any, sigil: str) -> None:
        line, column = _span(event)[0]
        yamlgrammar.check_property_name(self.source, line, column, sigil, str(event.anchor))

    def scalar(self, event: Any) -> None:
        stack = self.stack
        if self.comments.pending:
            self.comments.span(*_span(event))
        is_key = self.expecting_key()
        if is_key and event.value == "<<" and event.implicit[0] and event.tag is None:
            raise YamlError("merge-key", "merge keys (<<) are not supported", *event_mark(event))
        if event.anchor is not None:
            self.check_anchor(event, "&")
        # The grammar checks, cheapest test first: most scalars are plain and on one line.
        style = event.style
        if stack and stack[-1].flow:
            if self.may_be_flow_key or (not style and event.value == "-"):
                yamlgrammar.check_flow_scalar(self.source, *_span(event)[0], event.value, not style)
        else:
            start_mark: Any = event.start_mark
            end_mark: Any = event.end_mark
            indent = stack[-1].indent if stack else -1
            if start_mark.column <= indent and not is_key and (style or event.value):
                yamlgrammar.check_under_parent(start_mark.line, start_mark.column, indent)
            if style in ("|", ">"):
                yamlgrammar.check_block_scalar(self.source, start_mark.line, start_mark.column, indent)
            elif end_mark.line > start_mark.line:
                yamlgrammar.check_continuation(self.source, start_mark.line, end_mark.line, indent, False)
        value = scalar_value(event)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self.add(value, event_mark(event), 1, None if is_key else scalar_span(self.text, event))

    def start(self, event: Any) -> None:
        stack = self.stack
        mark = event_mark(event)
        if self.expecting_key():
            raise YamlError("non-string-key", "mapping keys must be strings", *mark)
        is_map = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", MAP_TAG if is_map else SEQ_TAG):
            raise YamlError("yaml-tag", f"tag {event.tag!r} is not allowed", *mark)
        if len(stack) >= self.limits.max_depth:
            raise YamlError("nesting-depth", f"nesting deeper than {self.limits.max_depth} levels", *mark)
        frame = _Frame({} if is_map else [], event.anchor, mark)
        if event.flow_style:
            if stack and not stack[-1].flow:
                yamlgrammar.check_under_parent(*_span(event)[0], self.block_indent())
            frame.flow = True
            frame.indent = self.block_indent()
            frame.start_line = _span(event)[0][0]
        else:
            frame.indent = _block_indent(event, is_map)
        stack.append(frame)
        if event.anchor is not None:
            self.check_anchor(event, "&")
            self.anchors[event.anchor] = frame

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        last_line = _span(event)[1][0]
        if frame.flow and not self.in_flow() and last_line > frame.start_line:
            yamlgrammar.check_continuation(self.source, frame.start_line, last_line, frame.indent, True)
        self.marks[id(frame.container)] = frame.marks
        if frame.spans:
            self.spans[id(frame.container)] = frame.spans
        if frame.anchor is not None and self.anchors.get(frame.anchor) is frame:
            self.anchors[frame.anchor] = (frame.container, frame.count)
        self.add(frame.container, frame.mark, frame.count)

    def alias(self, event: Any) -> None:
        mark = event_mark(event)
        if self.comments.pending:
            self.comments.span(*_span(event))
        self.check_anchor(event, "*")
        target = self.anchors.get(str(event.anchor))
        if target is None:
            raise YamlError("yaml-alias", f"undefined alias *{event.anchor}", *mark)
        if isinstance(target, _Frame):
            raise YamlError("yaml-alias", f"alias *{event.anchor} refers to itself", *mark)
        value, count = target
        self.alias_nodes += count
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise YamlError(
                "alias-bound",
                f"aliases expand to more than {self.limits.max_alias_nodes} nodes",
                *mark,
            )
        self.add(value, mark, count)

    def document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise YamlError("multiple-documents", "more than one document in the file", *event_mark(event))

    def stream_end(self) -> None:
        if self.comments.pending:
            self.comments.finish()


def parse(text: str, limits: LoadLimits = DEFAULT_LIMITS) -> Parsed:
    """Parse exactly one YAML (or JSON) document, strictly. Raises YamlError."""
    yamlgrammar.check_characters(text)
    if text and not text.endswith(("\n", "\r")):
        # YAML ends the last line at the end of input; libyaml drops a block scalar's last
        # line break when the file has no final newline (`|` then `x` then spaces: "x\n " for "x\n \n").
        text += "\n"
    walk = _Events(text, limits)
    handlers = walk.handlers()
    parser = _Parser(text)
    try:
        while True:  # the validator's hot loop: one dictionary look-up and one call an event
            event: Any = parser.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                walk.stream_end()
                break
            handler = handlers.get(kind)
            if handler is not None:
                handler(event)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    except yaml.YAMLError as exc:
        raise YamlError("yaml-syntax", str(exc).splitlines()[0]) from None
    finally:
        parser.dispose()
    if not walk.root:
        raise YamlError("empty-document", "the file holds no document")
    value, mark = walk.root[0]
    return Parsed(value, mark, walk.marks, walk.spans)


def _syntax_error(exc: yaml.MarkedYAMLError) -> YamlError:
    mark_obj = exc.problem_mark or exc.context_mark
    line, col = (mark_obj.line + 1, mark_obj.column + 1) if mark_obj else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        problem = f"{exc.problem} ({exc.context})"
    # Newer libyaml builds bound nesting in the scanner itself, before our own bound sees events.
    rule = "nesting-depth" if "nesting depth" in problem else "yaml-syntax"
    return YamlError(rule, problem, line, col)
