"""Shape guards for rules that also judge documents with schema errors (see pipeline.rules).

A unit of judgement (a loot table, a band, a mode) of the wrong shape is skipped, the schema
having said what is wrong with it; the rule goes on with the next unit.
"""

from __future__ import annotations

from typing import Any


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def records(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """`(index, item)` for the mappings of a list; other items are skipped, indices kept."""
    return [(i, item) for i, item in enumerate(sequence(value)) if isinstance(item, dict)]


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numbers(*values: Any) -> bool:
    return all(number(v) for v in values)
