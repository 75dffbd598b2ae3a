"""The strict loaders on what the text itself holds: line breaks other than \\n, many `#` on one
line, and surrogates. Each case is a finding with a position or a correct value, never a crash."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pipeline import yamlgrammar
from pipeline.documents import SourceFile, load
from pipeline.yamlstrict import DEFAULT_LIMITS, YamlError, decode, parse, parse_file


def error_of(text: str, path: str = "configs/g/x.yaml") -> YamlError:
    with pytest.raises(YamlError) as info:
        parse_file(path, text)
    return info.value


def findings_of(path: str, text: str) -> list[tuple[int, int, str]]:
    """What validate reports for one file: no exception escapes `load`."""
    return [(f.line, f.column, f.rule) for f in load(SourceFile(path, text.encode("utf-8"))).findings]


# U+0085, U+2028 and U+2029 inside a flow collection, then a `?`: libyaml counted lines the
# text's \n did not, and the `?` check read past the end of a line (IndexError).
FLOW_BREAKS = [
    ("a: [x,\u2028 y]  # ?\n", 1, 7, "U+2028 LINE SEPARATOR"),
    ("{a: b,\x85 c: d} #?\n", 1, 7, "U+0085 NEXT LINE"),
    ("k: 1\nm: [a,\u2029  b] #?\n", 2, 7, "U+2029 PARAGRAPH SEPARATOR"),
]


@pytest.mark.parametrize(("text", "line", "column", "name"), FLOW_BREAKS)
def test_a_unicode_line_break_in_a_flow_collection_is_a_finding_not_a_crash(
    text: str, line: int, column: int, name: str
) -> None:
    error = error_of(text)
    assert (error.rule, error.line, error.column) == ("yaml-unsupported", line, column)
    assert name in error.message and "YAML 1.2" in error.message and "\n" not in error.message
    assert findings_of("configs/g/x.yaml", text) == [(line, column, "yaml-unsupported")]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: x\x85b: y", 1, 5),  # libyaml: two keys; YAML 1.2: one line
        ("a: 'x\u2028y'\n", 1, 6),  # text to both, but libyaml numbers every later line differently
        ("a: x # note\u2029b: y\n", 1, 12),  # libyaml ends the comment there: a key YAML 1.2 never sees
        ("a: |\n  x\u2028y\n", 2, 4),
    ],
)
def test_nel_and_unicode_separators_are_refused_anywhere_in_yaml(text: str, line: int, column: int) -> None:
    error = error_of(text)
    assert (error.rule, error.line, error.column) == ("yaml-unsupported", line, column)


def test_the_escapes_for_the_separators_still_load() -> None:
    assert parse('a: "x\\Ny\\Lz\\P"\n').value == {"a": "x\x85y\u2028z\u2029"}


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_the_anchor_check_reads_the_line_libyaml_reports_in_cr_files(newline: str) -> None:
    """`&an:chor v` on the second CR-ended line was loaded as {'a': ':chor v'}."""
    error = error_of(f"z: 1{newline}a: &an:chor v{newline}")
    assert (error.rule, error.line, error.column) == ("yaml-unsupported", 2, 4)


@pytest.mark.parametrize(
    ("text", "rule", "line", "column"),
    [
        ('a: 1\rb: "x"#c\r', "yaml-syntax", 2, 7),  # a glued comment
        ("a: [x,\ry]\r", "yaml-syntax", 2, 1),  # a flow collection's line not indented
        ("- a\r-\r>\r x\r", "yaml-syntax", 3, 1),  # a block scalar left of its entry
        ("a: 1\rc: [ ?d ]\r", "yaml-unsupported", 2, 6),
        ("a: 1\rb: x\x01\r", "encoding", 2, 5),  # positions of characters count CR as a line break
    ],
)
def test_every_grammar_check_counts_cr_as_a_line_break(text: str, rule: str, line: int, column: int) -> None:
    error = error_of(text)
    assert (error.rule, error.line, error.column) == (rule, line, column)


def test_cr_files_load_with_the_same_values_and_positions_as_lf_files() -> None:
    text = "a: 1\nb: [x,\n  y] # c#d\nc: |\n  t\n  u\nd:\n  e: f#g\n"
    for newline in ("\r", "\r\n"):
        parsed = parse(text.replace("\n", newline))
        assert parsed.value == parse(text).value == {"a": 1, "b": ["x", "y"], "c": "t\nu\n", "d": {"e": "f#g"}}
        assert parsed.locate(("d", "e")) == (8, 3)


def test_positions_outside_the_parser_count_cr_too() -> None:
    with pytest.raises(YamlError) as bad:
        decode(b"a: 1\rb: caf\xe9\r", DEFAULT_LIMITS)
    assert (bad.value.line, bad.value.column) == (2, 7)
    json_error = error_of('{"a": 1,\r "b": x}', "configs/g/x.json")
    assert (json_error.rule, json_error.line, json_error.column) == ("json-syntax", 2, 7)
    tab = findings_of("configs/g/x.yaml", "k:\r  a: 1\r\t b: 2\r")
    assert tab == [(3, 1, "yaml-syntax")]


class CountingPattern:
    """A compiled pattern that adds up how many characters each search may read."""

    def __init__(self, pattern: re.Pattern[str], counter: list[int]) -> None:
        self.pattern = pattern
        self.counter = counter

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.pattern, name)
        if name not in ("search", "match", "fullmatch", "finditer", "findall"):
            return method

        def counted(string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
            self.counter[0] += min(endpos, len(string)) - pos
            return method(string, pos, endpos)

        return counted


@pytest.fixture
def characters_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    counter = [0]
    for name, value in vars(yamlgrammar).items():
        if isinstance(value, re.Pattern):
            monkeypatch.setattr(yamlgrammar, name, CountingPattern(value, counter))
    yield counter


@pytest.mark.parametrize("count", [2_000, 20_000])
def test_the_glued_comment_check_reads_a_line_of_many_hashes_a_bounded_number_of_times(
    characters_read: list[int], count: int
) -> None:
    """`x: 1 # a#a#...`: every `#` is a candidate inside one comment. The check read the line up to
    each candidate (quadratic: 7 s for 1 MiB); now each character a constant number of times."""
    text = "x: 1 # " + "a#" * count + "\ny: 2 # " + "b#" * count + "\n"
    assert parse(text).value == {"x": 1, "y": 2}
    assert 0 < characters_read[0] <= 3 * len(text)


@pytest.mark.parametrize(
    ("text", "line", "column", "code"),
    [
        ('{"displayName": "\\ud800"}', 1, 18, "U+D800"),
        ('{\r "a": "ok",\r "b": "x\\udc00"}', 3, 9, "U+DC00"),  # a low half alone
        ('{"\\ud83dx": 1}', 1, 3, "U+D83D"),  # in a key
        ('{"a": "\\ud83d\\ud83d\\ude00"}', 1, 8, "U+D83D"),  # a high half, then a pair
        ('{"a": "\\\\ud800 \\udbff"}', 1, 16, "U+DBFF"),  # an escaped backslash, then a high half last
    ],
)
def test_a_lone_surrogate_in_json_is_a_finding(text: str, line: int, column: int, code: str) -> None:
    error = error_of(text, "configs/g/x.json")
    assert (error.rule, error.line, error.column) == ("encoding", line, column)
    assert code in error.message
    error.message.encode("utf-8")  # the message itself can be printed
    assert findings_of("configs/g/x.json", text) == [(line, column, "encoding")]


def test_a_surrogate_pair_in_json_is_one_character() -> None:
    assert parse_file("configs/g/x.json", '{"a": "\\ud83d\\ude00 \\\\ud800"}').value == {"a": "\U0001f600 \\ud800"}
