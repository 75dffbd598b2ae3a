"""What the strict YAML and JSON loaders share: their bounds, their error and their result."""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Mark = tuple[int, int]


class Span(NamedTuple):
    """Where a scalar value lies in the loaded text, as character offsets (what an edit replaces).

    `start` is the node's first character (its anchor or tag when it has one), `scalar` the scalar's
    own first character (a quote, a block indicator or the plain text) and `end` one past its last;
    `style` is "" (plain), "'" or '"' (quoted), "|" or ">" (block)."""

    start: int
    scalar: int
    end: int
    style: str


@dataclass(frozen=True)
class LoadLimits:
    """Bounds that make hostile input fail fast. All are configurable from the command line."""

    max_bytes: int = 1 << 20
    max_alias_nodes: int = 10_000
    max_depth: int = 64


DEFAULT_LIMITS = LoadLimits()


class YamlError(Exception):
    """A file that cannot be loaded: a rule id, a one-line message and a 1-based line and column."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Parsed:
    """A parsed document and where each of its values starts in the file."""

    value: Any
    root_mark: Mark
    # id(container) -> key or index -> (line, column). Containers stay alive inside `value`.
    marks: dict[int, dict[Any, Mark]] = field(repr=False)
    # id(container) -> key or index -> the scalar value's Span (scalars only, not aliases nor keys).
    spans: dict[int, dict[Any, Span]] = field(default_factory=dict, repr=False)

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

    def span(self, path: Sequence[str | int]) -> Span | None:
        """Where the scalar at `path` lies; None when there is none (missing, a collection, an alias)."""
        if not path:
            return None
        node = self.value
        for part in path[:-1]:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return self.spans.get(id(node), {}).get(path[-1])


def beyond_float(value: int) -> bool:
    """Hex and octal integers have no digit limit: bound them by a float's range like every number."""
    return abs(value) > sys.float_info.max


def too_large(text: str, mark: Mark) -> YamlError:
    shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"
    return YamlError("number-too-large", f"{shown} is beyond the range of a 64-bit float", *mark)


# Where lines end, for positions and for the checks that read the source around libyaml's marks.
# YAML 1.2 and JSON end a line at \r\n, \r or \n. libyaml, a YAML 1.1 parser, also ends one at
# U+0085, U+2028 and U+2029, and numbers its marks by those lines: the YAML loader counts lines
# the same way, so a mark always names a line of the text (YAML 1.2 reads the three as text; the
# loader refuses them, so no file that loads is counted two ways).
LINE_BREAKS = re.compile("\r\n|[\r\n]")
LIBYAML_LINE_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def line_starts(text: str, breaks: re.Pattern[str]) -> list[int]:
    """The offset where each line starts (0-based lines)."""
    return [0, *(found.end() for found in breaks.finditer(text))]


def position(starts: list[int], offset: int) -> Mark:
    """1-based line and column of a character offset, given the text's line starts."""
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1
