"""Targeted checks for the YAML 1.2 rules that libyaml's event stream does not enforce.

libyaml is the parser (it gives every event a line and column and lets the loader bound depth
and aliases); measured on the yaml-test-suite it accepts a few invalid documents and misreads a
few valid ones. Each check below closes one such gap by looking at the source text around the
events libyaml reports, and fails with a position. The loader calls them only where they can
apply (a multi-line node, a block scalar, an anchor, a `#` glued to a token), so a typical config
costs one regex scan. Lines and columns here are 0-based, as libyaml's marks are.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from pipeline.parsed import LIBYAML_LINE_BREAKS, Mark, YamlError, line_starts, position

# YAML's c-printable: tab, line feed, carriage return, printable ASCII, NEL and Unicode but
# surrogates, U+FFFE and U+FFFF. libyaml rejects the rest but reports it at 1:1.
_NON_PRINTABLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff"
# Printable, but YAML 1.2 reads these as text and libyaml (YAML 1.1) as line breaks: a comment
# would end there, a key after one would start a new line, and the checks below would count lines
# differently from the parser. Refused everywhere, quoted scalars included (there they are text to
# both, but still shift every later line libyaml reports), since the escapes say the same safely.
_FOREIGN_BREAKS = {
    0x85: ("NEXT LINE (NEL)", "\\N"),
    0x2028: ("LINE SEPARATOR", "\\L"),
    0x2029: ("PARAGRAPH SEPARATOR", "\\P"),
}
_REFUSED = re.compile(f"[{_NON_PRINTABLE}\x85\u2028\u2029]")
# Deleting printable ASCII leaves nothing in most files: the regex then need not run.
_DROP_PRINTABLE_ASCII = str.maketrans("", "", "".join(map(chr, range(0x20, 0x7F))) + "\t\n\r")
_SPACED_HASH = re.compile(r"[ \t]#")
_GLUED_HASH = re.compile(r"(?<=\S)#")  # a `#` right after a non-blank
_BLOCK_HEADER = re.compile(r"(?:[&!][^ \t]*[ \t]+)*[|>]((?:[+-][1-9]?|[1-9][+-]?)?)")
_FLOW_INDICATORS = ",[]{}"


def check_characters(text: str) -> None:
    """Refuse the characters YAML does not allow and those YAML 1.2 and libyaml read differently."""
    if not text.translate(_DROP_PRINTABLE_ASCII):
        return
    found = _REFUSED.search(text)
    if found is None:
        return
    start = found.start()
    line, column = position(line_starts(text[:start], LIBYAML_LINE_BREAKS), start)
    code = ord(found.group())
    if code in _FOREIGN_BREAKS:
        name, escape = _FOREIGN_BREAKS[code]
        raise YamlError(
            "yaml-unsupported",
            f"U+{code:04X} {name}: YAML 1.2 does not read it as a line break, libyaml does; "
            f"write \\n for a line break, or {escape} in a double-quoted string for the character",
            line,
            column,
        )
    raise YamlError(
        "encoding",
        f"non-printable character U+{code:04X} is not allowed in YAML; remove it"
        + (" (or write it as an escape in a double-quoted string)" if code != 0xFFFE else ""),
        line,
        column,
    )


class Source:
    """The text being parsed, split into lines only when a check needs them. Its lines are
    libyaml's, so the line of any mark libyaml reports is a line here."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = LIBYAML_LINE_BREAKS.split(self.text)
        return self._lines

    def line(self, number: int) -> str:
        lines = self.lines
        return lines[number] if number < len(lines) else ""


def _error(rule: str, message: str, line: int, column: int) -> YamlError:
    return YamlError(rule, message, line + 1, column + 1)


class GluedComments:
    """Finds a `#` that starts a comment without white space before it (`"value"# note`, `]#x`).

    libyaml takes any `#` outside a scalar for a comment. Candidates come from one regex scan; a
    candidate inside a scalar's span (events arrive in text order) is scalar text and is dropped.
    Candidates are character offsets, so a span or a comment drops all of its candidates with one
    bisection: a line of many `#` costs the same as a line of one.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self._offsets = [found.start() for found in _GLUED_HASH.finditer(source.text)]
        self._starts = line_starts(source.text, LIBYAML_LINE_BREAKS) if self._offsets else [0]
        self._next = 0
        self._last_end: Mark = (0, 0)
        self.pending = bool(self._offsets)  # most files have no candidate: the loader skips the calls

    def span(self, start: Mark, end: Mark) -> None:
        """Text from start to end (exclusive) belongs to a scalar or an alias."""
        offsets = self._offsets
        start_at = self._offset(start)
        while self._next < len(offsets) and offsets[self._next] < start_at:
            self._check(offsets[self._next])
        self._next = bisect_left(offsets, self._offset(end), self._next)
        self._last_end = max(self._last_end, end)

    def finish(self) -> None:
        self.span((len(self._starts), 0), (len(self._starts), 0))

    def _offset(self, mark: Mark) -> int:
        line, column = mark
        return self._starts[line] + column if line < len(self._starts) else len(self.source.text) + 1

    def _check(self, offset: int) -> None:
        """Drops the candidate at `offset`, and the rest of its line if it is inside a comment."""
        line = bisect_right(self._starts, offset) - 1
        column = offset - self._starts[line]
        begin = self._last_end[1] if self._last_end[0] == line else 0
        if comment_start(self.source.line(line), begin) >= column:
            raise _error("yaml-syntax", "a comment needs white space before '#'", line, column)
        # Inside a comment that started properly earlier on the line: so is the rest of the line.
        next_line = self._starts[line + 1] if line + 1 < len(self._starts) else len(self.source.text) + 1
        self._next = bisect_left(self._offsets, next_line, self._next + 1)


def comment_start(line: str, begin: int) -> int:
    """The column of the first `#` from `begin` on that starts a comment (at `begin`, or after
    white space), or the line's length if none does."""
    if line.startswith("#", begin):
        return begin
    found = _SPACED_HASH.search(line, begin)
    return found.end() - 1 if found else len(line)


def check_continuation(source: Source, first: int, last: int, indent: int, in_collection: bool) -> None:
    """Lines after the first of a flow collection or a quoted or plain scalar in block context
    must be indented past the enclosing block node (at least indent + 1 spaces; tabs do not count)."""
    for number in range(first + 1, last + 1):
        text = source.line(number)
        stripped = text.lstrip(" ")
        content = stripped.lstrip("\t")
        if not content or (in_collection and content.startswith("#")):
            continue  # empty lines and comment lines may sit anywhere
        spaces = len(text) - len(stripped)
        if spaces <= indent:
            what = "a flow collection" if in_collection else "a multi-line scalar"
            raise _error(
                "yaml-syntax",
                f"this line continues {what} and needs at least {indent + 1} space(s) of indentation, not {spaces}"
                + (" (tabs do not count as indentation)" if stripped.startswith("\t") else ""),
                number,
                spaces,
            )


def check_block_scalar(source: Source, line: int, column: int, indent: int) -> None:
    """A block scalar's header has no glued comment (`># x`), and without an indentation indicator
    no leading empty line has more spaces than its first content line."""
    header = source.line(line)
    match = _BLOCK_HEADER.match(header, column)
    if match is None:
        return
    rest = header[match.end() :]
    if rest and rest[0] not in " \t":
        raise _error("yaml-syntax", "a comment needs white space before '#'", line, match.end())
    if any(ch.isdigit() for ch in match.group(1)):
        return
    widest, widest_line = -1, line
    number = line + 1
    while number < len(source.lines):
        text = source.line(number)
        if text.strip(" "):
            spaces = len(text) - len(text.lstrip(" "))
            if indent < spaces < widest:
                raise _error(
                    "yaml-syntax",
                    f"a leading empty line of this block scalar has {widest} spaces, more than its first line ({spaces})",
                    widest_line,
                    widest,
                )
            return
        if len(text) > widest:
            widest, widest_line = len(text), number
        number += 1


def check_property_name(source: Source, line: int, column: int, sigil: str, name: str) -> None:
    """libyaml ends an anchor or alias name at the first character outside [A-Za-z0-9_-], so
    `&an:chor value` became anchor `an` and value `:chor value`. YAML names run to white space
    or a flow indicator; refuse what libyaml would misread."""
    text = source.line(line)
    start = text.find(sigil + name, column)
    if start < 0:
        return
    after = start + 1 + len(name)
    if after < len(text) and text[after] not in " \t" + _FLOW_INDICATORS:
        raise _error(
            "yaml-unsupported",
            f"{'anchor' if sigil == '&' else 'alias'} name {text[start:].split()[0]!r} has a character "
            "outside letters, digits, '-' and '_'; rename it",
            line,
            start,
        )


def check_flow_scalar(source: Source, line: int, column: int, value: str, plain: bool) -> None:
    """Scalars inside a flow collection that libyaml gets wrong: `[-]` (a lone `-` is not a plain
    scalar) and `{ ?foo: bar }` (libyaml takes a glued `?` for the key indicator, YAML for text)."""
    if plain and value == "-":
        raise _error("yaml-syntax", "a lone '-' in a flow collection is not a value; quote it", line, column)
    if column > 0 and source.line(line)[column - 1 : column] == "?":
        raise _error(
            "yaml-unsupported",
            "'?' glued to a value in a flow collection: YAML reads it as text, libyaml as a key indicator; "
            "quote the text or put a space after '?'",
            line,
            column - 1,
        )


def check_under_parent(line: int, column: int, indent: int) -> None:
    """A value in block context starts right of its parent's indentation (`-` then `|` at the
    same column on the next line is not the entry's value; libyaml takes it for one)."""
    if column <= indent:  # the loader tests this inline first; it calls only to report
        raise _error(
            "yaml-syntax",
            f"this value needs at least {indent + 1} space(s) of indentation to belong to the entry above",
            line,
            column,
        )
