"""The public yaml-test-suite through the strict loader (data: tests/data/yaml-test-suite, MIT).

Every case the suite marks invalid is rejected with a line and column inside the file. Every valid
case loads to its `in.json` value (a valid case without one just loads), or is refused with the
rule tests/data/yaml-suite-refused.tsv names for it, for one of these reasons:

| rule | cases | why |
| --- | --- | --- |
| `non-string-key` | 18 | keys that are mappings, sequences, null or numbers; config keys are strings (JSON's model) |
| `yaml-tag` | 16 | local tags (`!foo`), `%TAG` handles, `!!set`, `!!omap`...: only the core schema is allowed |
| `multiple-documents` | 11 | a config file is exactly one document |
| `empty-document` | 3 | a stream with no document (only comments) |
| `yaml-unsupported` | 4 | anchor names with `:` (2SXE, Y2GN) and a plain scalar starting with `?` in a flow collection (652Z, HM87-01): libyaml misreads both, so the loader refuses them rather than load a wrong value |
| `yaml-syntax` | 49 | valid YAML that libyaml 0.2.5 itself refuses: tabs as separation, multi-line or empty flow keys, zero-indented block scalars, document markers and reserved directives, aliases with unusual characters. Refused with libyaml's position; never loaded wrong. |

The suite's other cases that libyaml gets wrong are fixed in pipeline/yamlgrammar.py (the invalid
9C9N, 9JBA, CVW2, DK95-01, G5U8, MUS6-00, QB6E, S98Z, SU5Z, X4QW, Y79Y-003, YJV2; the valid
L24T-01 and JEF9-02) and pipeline/yamlstrict.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.yamlstrict import DEFAULT_LIMITS, Parsed, YamlError, decode, parse

DATA = Path(__file__).resolve().parents[1] / "data"
SUITE = DATA / "yaml-test-suite"
REFUSED_FILE = DATA / "yaml-suite-refused.tsv"


@dataclass(frozen=True)
class Case:
    id: str
    text: bytes
    invalid: bool
    expected: str | None  # in.json, if the case has one


def suite_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in SUITE.iterdir() if p.is_dir()):
        expected = folder / "in.json"
        cases.append(
            Case(
                folder.name,
                (folder / "in.yaml").read_bytes(),
                (folder / "error").exists(),
                expected.read_text(encoding="utf-8") if expected.exists() else None,
            )
        )
    return cases


def refused() -> dict[str, str]:
    rows = (line.split("\t") for line in REFUSED_FILE.read_text(encoding="utf-8").splitlines())
    return {row[0]: row[1] for row in rows if row[0] and not row[0].startswith("#")}


CASES = suite_cases()
REFUSED = refused()


def load(case: Case) -> Parsed:
    return parse(decode(case.text, DEFAULT_LIMITS), DEFAULT_LIMITS)


def json_values(text: str) -> list[Any]:
    """in.json holds one JSON value per YAML document."""
    decoder, values, at = json.JSONDecoder(), list[Any](), 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return values
        value, at = decoder.raw_decode(text, at)
        values.append(value)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON type: `1` is not `true`, `"1"` is not `1`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def test_the_suite_is_all_there() -> None:
    assert len(CASES) == 402
    assert sum(case.invalid for case in CASES) == 94
    assert (SUITE / "License").read_text().startswith("MIT License")


def test_every_refused_case_is_a_valid_case_of_the_suite() -> None:
    valid = {case.id for case in CASES if not case.invalid}
    assert set(REFUSED) <= valid


@pytest.mark.parametrize("case", [c for c in CASES if c.invalid], ids=lambda c: c.id)
def test_invalid_yaml_is_rejected_with_a_position(case: Case) -> None:
    with pytest.raises(YamlError) as info:
        load(case)
    error = info.value
    lines = case.text.decode("utf-8", "replace").split("\n")
    assert 1 <= error.line <= len(lines) + 1
    assert 1 <= error.column <= max(len(line) for line in lines) + 2
    assert "\n" not in error.message


@pytest.mark.parametrize("case", [c for c in CASES if not c.invalid], ids=lambda c: c.id)
def test_valid_yaml_loads_to_its_json_value_or_is_refused_by_a_listed_rule(case: Case) -> None:
    if case.id in REFUSED:
        with pytest.raises(YamlError) as info:
            load(case)
        assert info.value.rule == REFUSED[case.id]
        assert info.value.line >= 1 and info.value.column >= 1
        return
    value = load(case).value
    if case.expected is not None:
        (expected,) = json_values(case.expected)
        assert same(value, expected), f"{case.id}: {value!r} != {expected!r}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k: |+\n   ", {"k": "\n"}),  # JEF9-02 under a key: the missing final newline is implied
        ("k: |\n  x\n   ", {"k": "x\n \n"}),  # L24T-01
        ("a: &x [ &x 1, *x ]\n", {"a": [1, 1]}),  # an alias names the latest definition
        ("a: &x [1]\nb: &x 2\nc: *x\n", {"a": [1], "b": 2, "c": 2}),
        ("a: &x [ &x 1 ]\nb: *x\n", {"a": [1], "b": 1}),  # the inner definition came later
    ],
)
def test_cases_libyaml_loaded_wrong_now_load_right(text: str, expected: Any) -> None:
    assert parse(text).value == expected
