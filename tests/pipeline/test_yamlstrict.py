from __future__ import annotations

import pytest

from pipeline.documents import SourceFile, load
from pipeline.yamlstrict import DEFAULT_LIMITS, LoadLimits, YamlError, decode, parse, parse_file
from tests.pipeline.fixtures import billion_laughs


def error_of(text: str, limits: LoadLimits = DEFAULT_LIMITS) -> YamlError:
    with pytest.raises(YamlError) as info:
        parse(text, limits)
    return info.value


def test_core_schema_keeps_yaml11_booleans_and_dates_as_strings() -> None:
    value = parse("a: [yes, no, on, off, 2024-01-01, 0o17, 0x1f, 1e3, ~, true, '5']\n").value
    assert value == {"a": ["yes", "no", "on", "off", "2024-01-01", 15, 31, 1000.0, None, True, "5"]}


def test_positions_point_at_the_key_of_each_value() -> None:
    parsed = parse("spec:\n  weapons:\n    rifle:\n      damage: 45\n  list:\n    - a\n    - b\n")
    assert parsed.locate(("spec", "weapons", "rifle", "damage")) == (4, 7)
    assert parsed.locate(("spec", "list", 1)) == (7, 7)
    # a missing key points at its parent
    assert parsed.locate(("spec", "weapons", "missing")) == (2, 3)


@pytest.mark.parametrize(
    ("text", "rule", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate-key", 3),
        ("a: !!python/object/apply:os.system ['id']\n", "yaml-tag", 1),
        ("a: !custom x\n", "yaml-tag", 1),
        ("a: !!binary aGVsbG8=\n", "yaml-tag", 1),
        ("a: !!int twelve\n", "yaml-tag", 1),
        ("a: 1\n---\nb: 2\n", "multiple-documents", 2),
        ("", "empty-document", 1),
        ("# only a comment\n", "empty-document", 1),
        ("<<: {a: 1}\nb: 2\n", "merge-key", 1),
        ("a: .nan\n", "non-finite-number", 1),
        ("a: -.inf\n", "non-finite-number", 1),
        ("1: x\n", "non-string-key", 1),
        ("? [a]\n: x\n", "non-string-key", 1),
        ("a: &x [*x]\n", "yaml-alias", 1),
        ("a: *nothing\n", "yaml-alias", 1),
        ("a:\n  b: 1\n c: 2\n", "yaml-syntax", 3),
        ("a: [1, 2\n", "yaml-syntax", 2),
    ],
)
def test_rejections_name_rule_and_line(text: str, rule: str, line: int) -> None:
    error = error_of(text)
    assert (error.rule, error.line) == (rule, line)


def test_billion_laughs_stops_at_the_alias_bound() -> None:
    error = error_of(billion_laughs(), LoadLimits(max_alias_nodes=1000))
    assert error.rule == "alias-bound"
    assert error.line <= 4  # stopped within the first levels, long before expansion


def test_small_aliases_within_the_bound_are_expanded() -> None:
    assert parse("a: &x {k: 1}\nb: *x\n").value == {"a": {"k": 1}, "b": {"k": 1}}


@pytest.mark.parametrize("text", ["[" * 100_000, "- " * 100_000 + "x", "{a: " * 50_000])
def test_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    assert error_of(text).rule == "nesting-depth"


def test_json_parses_with_positions() -> None:
    parsed = parse('{\n  "a": 1,\n  "b": [true, null]\n}\n')
    assert parsed.value == {"a": 1, "b": [True, None]}
    assert parsed.locate(("b",)) == (3, 3)


def test_decode_rejects_size_binary_and_bad_utf8() -> None:
    limits = LoadLimits(max_bytes=10)
    with pytest.raises(YamlError) as big:
        decode(b"x" * 11, limits)
    assert big.value.rule == "file-too-large"
    with pytest.raises(YamlError) as nul:
        decode(b"a: 1\nb: \x00\n", LoadLimits())
    assert (nul.value.rule, nul.value.line, nul.value.column) == ("encoding", 2, 4)
    with pytest.raises(YamlError) as bad:
        decode(b"a: 1\nb: caf\xe9\n", LoadLimits())
    assert (bad.value.rule, bad.value.line, bad.value.column) == ("encoding", 2, 7)
    assert decode(b"\xef\xbb\xbfa: 1\n", LoadLimits()) == "a: 1\n"


@pytest.mark.parametrize(
    "number",
    [
        "1" * 5000,  # int() raises past 4,300 digits
        "-" + "9" * 4301,
        "1" + "0" * 309,  # parses, but float() of it overflows
        "!!float 1" + "0" * 309,  # float() of the integer raises OverflowError
        "0x" + "f" * 300,  # no digit limit for hex, but str() of it would fail past 4,300 digits
        "0o" + "7" * 400,
    ],
)
def test_numbers_beyond_a_float_are_an_error_with_a_position(number: str) -> None:
    error = error_of(f"spec:\n  damage: {number}\n")
    assert (error.rule, error.line, error.column) == ("number-too-large", 2, 11)
    assert len(error.message) < 120  # the number itself is not echoed in full


def test_numbers_at_the_edge_of_a_float_still_load() -> None:
    largest = int(1.7976931348623157e308)
    value = parse(f"a: {largest}\nb: !!float {largest}\nc: 1e308\nd: -{largest}\n").value
    assert value == {"a": largest, "b": 1.7976931348623157e308, "c": 1e308, "d": -largest}


def test_a_huge_number_in_json_is_an_error_too() -> None:
    assert error_of('{"a": ' + "7" * 4400 + "}").rule == "number-too-large"


# The yaml-test-suite cases libyaml accepts although they are invalid (tests/pipeline/test_yaml_suite.py
# runs the whole suite); each is now a finding at the offending character.
@pytest.mark.parametrize(
    ("case", "text", "rule", "line", "column"),
    [
        ("9C9N", "---\nflow: [a,\nb,\nc]\n", "yaml-syntax", 3, 1),
        ("QB6E", '---\nquoted: "a\nb\nc"\n', "yaml-syntax", 3, 1),
        ("DK95-01", 'foo: "bar\n\tbaz"\n', "yaml-syntax", 2, 1),
        ("Y79Y-003", "- [\n\tfoo,\n foo\n ]\n", "yaml-syntax", 2, 1),
        ("S98Z", "empty block scalar: >\n \n  \n   \n # comment\n", "yaml-syntax", 4, 4),
        ("SU5Z", 'key: "value"# invalid comment\n', "yaml-syntax", 1, 13),
        ("X4QW", "block: ># comment\n  scalar\n", "yaml-syntax", 1, 9),
        ("9JBA", "---\n[ a, b, c, ]#invalid\n", "yaml-syntax", 2, 13),
        ("CVW2", "---\n[ a, b, c,#invalid\n]\n", "yaml-syntax", 2, 11),
        ("MUS6-00", "%YAML 1.1#...\n---\n", "yaml-syntax", 1, 10),
        ("G5U8", "---\n- [-, -]\n", "yaml-syntax", 2, 4),
        ("YJV2", "[-]\n", "yaml-syntax", 1, 2),
        # valid YAML that libyaml loads with a wrong value: refused, not misread
        ("652Z", "{ ?foo: bar,\nbar: 42\n}\n", "yaml-unsupported", 1, 3),
        ("HM87-01", "[?x]\n", "yaml-unsupported", 1, 2),
        ("Y2GN", "---\nkey: &an:chor value\n", "yaml-unsupported", 2, 6),
    ],
)
def test_what_libyaml_lets_through_is_a_finding_with_a_position(
    case: str, text: str, rule: str, line: int, column: int
) -> None:
    error = error_of(text)
    assert (error.rule, error.line, error.column) == (rule, line, column), case


def test_flow_collections_and_scalars_indented_under_their_key_still_load() -> None:
    text = 'a:\n  - [1,\n     2]\n  - "x\n    y"\nb: {c: 1,\n  d: 2}\n'
    assert parse(text).value == {"a": [[1, 2], "x y"], "b": {"c": 1, "d": 2}}


def test_a_hash_inside_text_is_not_a_comment() -> None:
    text = 'a: "#ff0000"\nb: http://x/#frag # see a#b\nc: [a, b] # x#y\nd: |\n  x#y\n'
    assert parse(text).value == {"a": "#ff0000", "b": "http://x/#frag", "c": ["a", "b"], "d": "x#y\n"}


@pytest.mark.parametrize(
    ("text", "line", "column", "code"),
    [
        ("a: 1\nb: x\x01y\n", 2, 5, "U+0001"),
        ('a: "\x7f"\n', 1, 5, "U+007F"),
        ("k:\n  - ok\n  - x\x9b\n", 3, 6, "U+009B"),
        ("x: \ufffe\n", 1, 4, "U+FFFE"),
    ],
)
def test_non_printable_characters_are_reported_where_they_are(text: str, line: int, column: int, code: str) -> None:
    error = error_of(text)
    assert (error.rule, error.line, error.column) == ("encoding", line, column)
    assert code in error.message
    assert "\n" not in error.message


def test_a_redefined_anchor_is_not_recursion() -> None:
    assert parse("a: &x [ &x 1, *x ]\n").value == {"a": [1, 1]}
    assert error_of("a: &x [ 1, *x ]\n").rule == "yaml-alias"


def test_a_block_scalar_on_the_last_line_keeps_its_line_break() -> None:
    assert parse("foo: |\n  x\n   ").value == {"foo": "x\n \n"}  # L24T-01
    assert parse("k: |+\n   ").value == {"k": "\n"}  # JEF9-02 under a key


def json_error(text: str) -> YamlError:
    with pytest.raises(YamlError) as info:
        parse_file("configs/g/x.json", text)
    return info.value


def test_json_files_load_with_a_position_for_every_value() -> None:
    parsed = parse_file("configs/g/x.json", '{\n  "a": 1,\n  "b": [true, null, 2.5, "caf\\u00e9"]\n}\n')
    assert parsed.value == {"a": 1, "b": [True, None, 2.5, "café"]}
    assert parsed.locate(("b",)) == (3, 3)
    assert parsed.locate(("b", 3)) == (3, 26)


@pytest.mark.parametrize(
    ("text", "rule", "line", "column"),
    [
        ('{\n  "name": weapon\n}', "json-syntax", 2, 11),  # unquoted string (valid YAML)
        ('{"a": [1, 2,],\n "b": 1}', "json-syntax", 1, 13),  # trailing comma in a list
        ('{"a": 1,\n}', "json-syntax", 2, 1),  # trailing comma in an object
        ('{"a": 1 // note\n}', "json-syntax", 1, 9),  # a comment
        ('{"a": NaN}', "json-syntax", 1, 7),
        ('{"a": Infinity}', "json-syntax", 1, 7),
        ("{'a': 1}", "json-syntax", 1, 2),
        ('{"a": "x\ty"}', "json-syntax", 1, 9),  # a raw control character in a string
        ('{"a": 1} {"b": 2}', "json-syntax", 1, 10),
        ('{"a": 1,\n "b": 2,\n "a": 3}', "duplicate-key", 3, 2),
        ('{"a": ' + "7" * 4400 + "}", "number-too-large", 1, 7),
        ('{"a": 1e400}', "number-too-large", 1, 7),
        ("[" * 100 + "]" * 100, "nesting-depth", 1, 65),
        ("  \n", "empty-document", 1, 1),
    ],
)
def test_json_files_are_strict_json(text: str, rule: str, line: int, column: int) -> None:
    error = json_error(text)
    assert (error.rule, error.line, error.column) == (rule, line, column)
    assert "\n" not in error.message


def test_a_json_file_goes_through_the_loader_as_json() -> None:
    bad = SourceFile("configs/space-shooter/perf.json", b'{"kind": "Performance", "spec": {tickRate: 30}}')
    (finding,) = load(bad).findings
    assert (finding.rule, finding.line, finding.column) == ("json-syntax", 1, 34)
    good = SourceFile("configs/space-shooter/perf.json", b'{"kind": "Performance", "metadata": {"name": "perf"}}')
    loaded = load(good)
    assert loaded.document is not None and loaded.document.name == "perf"


@pytest.mark.parametrize(
    ("text", "rule", "line", "column"),
    [
        ('{?"foo"\n  :bar }\n', "yaml-unsupported", 1, 2),  # YAML: the text `?"foo" :bar`; libyaml: key "foo"
        ("- \n|\n x\n", "yaml-syntax", 2, 1),  # a block scalar left of its entry
        ("- a\n-\n>\n x\n", "yaml-syntax", 3, 1),
    ],
)
def test_values_libyaml_attaches_to_the_wrong_parent_are_findings(text: str, rule: str, line: int, column: int) -> None:
    error = error_of(text)
    assert (error.rule, error.line, error.column) == (rule, line, column)


def test_tagged_mappings_with_explicit_keys_still_load() -> None:
    assert parse("--- !!map\n? a\n: b\n").value == {"a": "b"}
    assert parse("k: !!map\n  ? a\n  : b\n").value == {"k": {"a": "b"}}
