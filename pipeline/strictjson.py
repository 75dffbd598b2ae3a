"""Strict JSON (RFC 8259) for `.json` config files, with a position for every value.

`.json` files go to servers whose JSON parsers refuse what YAML would accept (unquoted strings,
trailing commas, comments, NaN), so they are parsed as JSON, not as YAML. Strings and numbers
are read by the json module's own scanners (the same escapes and control-character rules); the
structure around them is walked here so each value keeps its line and column, duplicate keys are
found, and nesting and number sizes stay bounded. Errors are YamlError, as for YAML files.
"""

from __future__ import annotations

import math
import re
from json import JSONDecodeError
from json.decoder import scanstring  # type: ignore[attr-defined]  # public, but not in typeshed
from typing import Any

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

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.-]*")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


class _Reader:
    def __init__(self, text: str, limits: LoadLimits) -> None:
        self.text = text
        self.at = 0
        self.limits = limits
        self.marks: dict[int, dict[Any, Mark]] = {}
        self.spans: dict[int, dict[Any, Span]] = {}
        self.line_starts = line_starts(text, LINE_BREAKS)

    def position(self, at: int) -> Mark:
        return position(self.line_starts, at)

    def fail(self, message: str, at: int | None = None, rule: str = "json-syntax") -> YamlError:
        return YamlError(rule, message, *self.position(self.at if at is None else at))

    def skip(self) -> str:
        """Skip white space; the next character, or '' at the end. Comments are not JSON."""
        self.at = _WHITESPACE.match(self.text, self.at).end()  # type: ignore[union-attr]
        char = self.text[self.at : self.at + 1]
        if char == "/" and self.text[self.at + 1 : self.at + 2] in ("/", "*"):
            raise self.fail("comments are not allowed in JSON")
        return char

    def value(self, depth: int) -> Any:
        char = self.skip()
        start = self.at
        if char == "{":
            return self.container({}, "}", depth)
        if char == "[":
            return self.container([], "]", depth)
        if char == '"':
            return self.string()
        if char == "-" or char.isdigit():
            return self.number()
        if char == "":
            raise self.fail("unexpected end of file; expected a value")
        word = _WORD.match(self.text, start)
        if word is None:
            raise self.fail(f"unexpected {char!r}; expected a value")
        self.at = word.end()
        if word.group() in _LITERALS:
            return _LITERALS[word.group()]
        if word.group() in ("NaN", "Infinity"):
            raise self.fail(f"{word.group()} is not JSON (numbers are finite)", start)
        raise self.fail(f"unquoted string {word.group()!r}; JSON strings need double quotes", start)

    def string(self) -> str:
        start = self.at
        try:
            found: tuple[str, int] = scanstring(self.text, start + 1, True)
        except JSONDecodeError as exc:  # a bad escape, a control character, no closing quote
            message = exc.msg.removesuffix(" at").removesuffix(" starting")
            raise self.fail(message[0].lower() + message[1:] + " in a string", exc.pos) from None
        text, self.at = found
        if _SURROGATE.search(text):
            # json reads an unpaired \ud800 as a lone surrogate: a str that no UTF-8 output can
            # hold, so every later write of it fails. YAML refuses the same escape.
            at, code = _lone_surrogate(self.text, start + 1, self.at - 1)
            raise self.fail(
                f"U+{code:04X} is half of a UTF-16 surrogate pair, not a character; "
                "write the character itself or both halves of its pair",
                at,
                rule="encoding",
            )
        return text

    def number(self) -> int | float:
        start = self.at
        found = _NUMBER.match(self.text, start)
        if found is None:
            raise self.fail("invalid number")
        self.at = found.end()
        text = found.group()
        mark = self.position(start)
        try:
            value: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:  # int() past 4,300 digits
            raise too_large(text, mark) from None
        if (isinstance(value, float) and not math.isfinite(value)) or (isinstance(value, int) and beyond_float(value)):
            raise too_large(text, mark)
        return value

    def member(self, depth: int, spans: dict[Any, Span], at: str | int) -> Any:
        """A member's value; a scalar's Span is recorded under `at` (a string's includes its quotes)."""
        start = self.at + len(_WHITESPACE.match(self.text, self.at).group())  # type: ignore[union-attr]
        value = self.value(depth)
        if not isinstance(value, dict | list):
            spans[at] = Span(start, start, self.at, '"' if isinstance(value, str) else "")
        return value

    def container(self, container: dict[str, Any] | list[Any], close: str, depth: int) -> Any:
        if depth >= self.limits.max_depth:
            raise self.fail(f"nesting deeper than {self.limits.max_depth} levels", rule="nesting-depth")
        self.at += 1
        marks: dict[Any, Mark] = {}
        self.marks[id(container)] = marks
        spans: dict[Any, Span] = {}
        self.spans[id(container)] = spans
        if self.skip() == close:
            self.at += 1
            return container
        while True:
            if isinstance(container, dict):
                if self.skip() != '"':
                    raise self.fail(
                        f"trailing comma before {close!r}"
                        if self.text[self.at : self.at + 1] == close
                        else "expected a double-quoted key"
                    )
                key_at = self.at
                key = self.string()
                if key in container:
                    raise YamlError("duplicate-key", f"duplicate key {key!r}", *self.position(key_at))
                if self.skip() != ":":
                    raise self.fail("expected ':' after the key")
                self.at += 1
                marks[key] = self.position(key_at)
                container[key] = self.member(depth + 1, spans, key)
            else:
                if self.skip() == close:
                    raise self.fail(f"trailing comma before {close!r}")
                marks[len(container)] = self.position(self.at)
                container.append(self.member(depth + 1, spans, len(container)))
            char = self.skip()
            self.at += 1
            if char == close:
                return container
            if char != ",":
                raise self.fail(f"expected ',' or {close!r}", self.at - 1)


def _lone_surrogate(text: str, start: int, end: int) -> tuple[int, int]:
    """The offset and code of the first surrogate in a string's source that is not part of a pair:
    an escape (json pairs a high and a low escape only when they are adjacent) or a raw character."""
    high = (-1, 0)  # a high-surrogate escape waiting for its low half
    for escape in _ESCAPE.finditer(text, start, end):
        code = int(escape.group(1), 16) if escape.group(1) else 0
        if high[0] >= 0:
            if 0xDC00 <= code <= 0xDFFF and escape.start() == high[0] + 6:
                high = (-1, 0)
                continue
            return high
        if 0xD800 <= code <= 0xDBFF:
            high = (escape.start(), code)
        elif 0xDC00 <= code <= 0xDFFF:
            return escape.start(), code
    if high[0] >= 0:
        return high
    raw = _SURROGATE.search(text, start, end)
    return (raw.start(), ord(raw.group())) if raw else (start, 0xD800)


def parse(text: str, limits: LoadLimits = DEFAULT_LIMITS) -> Parsed:
    """Parse exactly one JSON value, strictly. Raises YamlError."""
    reader = _Reader(text, limits)
    if reader.skip() == "":
        raise YamlError("empty-document", "the file holds no document")
    root_mark = reader.position(reader.at)
    try:
        value = reader.value(0)
    except RecursionError:  # only with a --max-depth far above the default
        raise reader.fail("nesting too deep", rule="nesting-depth") from None
    if reader.skip() != "":
        raise reader.fail("unexpected text after the JSON value")
    return Parsed(value, root_mark, reader.marks, reader.spans)
