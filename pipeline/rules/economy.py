from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules.shapes import mapping, number, records

PROBABILITY_TOLERANCE = 1e-6


def loot_tables(game: GameView) -> Iterator[Finding]:
    """Weights are positive; a probability table's drops sum to 1 and use `probability` only."""
    for doc in game.of_kind("Economy"):
        for table_id, table in mapping(doc.spec.get("lootTables")).items():
            if not isinstance(table, dict):
                continue
            if table.get("mode") == "weight":
                yield from _weighted(doc, table_id, table)
            elif table.get("mode") == "probability":
                yield from _probabilities(doc, table_id, table)


def _weighted(doc: Document, table_id: str, table: dict[str, Any]) -> Iterator[Finding]:
    base = ("lootTables", table_id)
    for i, drop in records(table.get("drops")):
        if "weight" not in drop:
            yield doc.spec_finding(
                (*base, "drops", i), "loot-table", f"loot table {table_id!r} is weighted: every drop needs a weight"
            )
        elif number(drop["weight"]) and drop["weight"] <= 0:
            yield doc.spec_finding(
                (*base, "drops", i, "weight"),
                "loot-table",
                f"loot table {table_id!r}: weight must be positive, got {drop['weight']}",
            )
        if "probability" in drop:
            yield doc.spec_finding(
                (*base, "drops", i, "probability"),
                "loot-table",
                f"loot table {table_id!r} is weighted: use weight, not probability",
            )


def _probabilities(doc: Document, table_id: str, table: dict[str, Any]) -> Iterator[Finding]:
    base = ("lootTables", table_id)
    total = 0.0
    summable = isinstance(table.get("drops"), list)
    for i, drop in records(table.get("drops")):
        if "probability" not in drop:
            yield doc.spec_finding(
                (*base, "drops", i),
                "loot-table",
                f"loot table {table_id!r} uses probabilities: every drop needs a probability",
            )
        elif number(drop["probability"]):
            total += drop["probability"]
        else:
            summable = False  # the schema reports the value; the sum cannot be judged
        if "weight" in drop:
            yield doc.spec_finding(
                (*base, "drops", i, "weight"),
                "loot-table",
                f"loot table {table_id!r} uses probabilities: use probability, not weight",
            )
    if summable and not math.isclose(total, 1.0, abs_tol=PROBABILITY_TOLERANCE):
        yield doc.spec_finding(
            base, "loot-table", f"loot table {table_id!r}: drop probabilities sum to {total:.6g}, not 1"
        )


def battle_pass_tiers(game: GameView) -> Iterator[Finding]:
    """Battle pass tiers are numbered 1, 2, 3, ... in order."""
    for doc in game.of_kind("Economy"):
        for i, tier in records(mapping(doc.spec.get("battlePass")).get("tiers")):
            number_ = tier.get("tier")
            if isinstance(number_, int) and not isinstance(number_, bool) and number_ != i + 1:
                yield doc.spec_finding(
                    ("battlePass", "tiers", i, "tier"),
                    "battle-pass-tiers",
                    f"tier {number_} at position {i + 1}: tiers must be numbered 1, 2, 3, ... in order",
                )
