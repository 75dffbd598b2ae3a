"""contract.instants, pure: one table of accepted and refused forms; what is written; the schemas'
pattern is the parser's."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from contract.instants import (
    INSTANT_PATTERN,
    InstantError,
    format_instant,
    instant_problem,
    parse_instant,
    read_instant,
)
from tests.contract.instant_cases import CASES

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@pytest.mark.parametrize(("text", "instant"), CASES)
def test_one_parser_reads_or_refuses_each_form(text: str, instant: datetime | None) -> None:
    assert parse_instant(text) == instant
    if instant is None:
        with pytest.raises(InstantError, match=re.escape(repr(text))):
            read_instant(text)
        assert instant_problem(text)
    else:
        assert read_instant(text).tzinfo == UTC and instant_problem(text) is None


def test_what_is_not_text_is_no_instant() -> None:
    for value in (None, 1764439205, datetime(2026, 11, 29, tzinfo=UTC), b"2026-11-29T18:00:05Z"):
        assert parse_instant(value) is None
    with pytest.raises(InstantError):
        read_instant("0001-01-01T00:00:00+01:00")  # before the first UTC instant Python knows


def test_every_instant_is_written_in_the_switch_trailers_form() -> None:
    # UTC, milliseconds, Z: what `Hotswap-Switch-At` has always carried, so every agent reads it
    east = datetime(2026, 11, 29, 20, 0, 5, 123999, tzinfo=timezone(timedelta(hours=2)))
    assert format_instant(east) == "2026-11-29T18:00:05.123Z"
    assert format_instant(datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)) == "2026-11-29T18:00:05.000Z"
    for _, instant in CASES:
        if instant is not None:  # written, read back: the same instant to the millisecond
            back = read_instant(format_instant(instant))
            assert back == instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def _patterns(node: Any) -> list[str]:
    """Every `pattern` of the schema that names an instant (its description says RFC 3339)."""
    if isinstance(node, dict):
        own = [node["pattern"]] if "RFC 3339" in str(node.get("description", "")) and "pattern" in node else []
        return own + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


@pytest.mark.parametrize(("schema", "count"), [("LiveEvent", 4), ("RolloutPolicy", 3)])
def test_the_schemas_pattern_is_the_parsers(schema: str, count: int) -> None:
    patterns = _patterns(json.loads((SCHEMAS / f"{schema}.schema.json").read_text()))
    assert patterns == [INSTANT_PATTERN] * count
    # the pattern judges the form; a date that does not exist is left to the rules (a finding too)
    for text, instant in CASES:
        form = re.fullmatch(INSTANT_PATTERN.strip("^$"), text, re.ASCII) is not None
        assert form or instant is None, text
