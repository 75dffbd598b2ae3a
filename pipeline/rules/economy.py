from __future__ import annotations

import math
from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView

PROBABILITY_TOLERANCE = 1e-6


def loot_tables(game: GameView) -> Iterator[Finding]:
    """Weights are positive; a probability table's drops sum to 1 and use `probability` only."""
    for doc in game.of_kind("Economy"):
        for table_id, table in doc.spec.get("lootTables", {}).items():
            base = ("lootTables", table_id)
            drops = table["drops"]
            if table["mode"] == "weight":
                for i, drop in enumerate(drops):
                    if "weight" not in drop:
                        yield doc.spec_finding(
                            (*base, "drops", i),
                            "loot-table",
                            f"loot table {table_id!r} is weighted: every drop needs a weight",
                        )
                    elif drop["weight"] <= 0:
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
            else:
                total = 0.0
                for i, drop in enumerate(drops):
                    if "probability" not in drop:
                        yield doc.spec_finding(
                            (*base, "drops", i),
                            "loot-table",
                            f"loot table {table_id!r} uses probabilities: every drop needs a probability",
                        )
                    else:
                        total += drop["probability"]
                    if "weight" in drop:
                        yield doc.spec_finding(
                            (*base, "drops", i, "weight"),
                            "loot-table",
                            f"loot table {table_id!r} uses probabilities: use probability, not weight",
                        )
                if not math.isclose(total, 1.0, abs_tol=PROBABILITY_TOLERANCE):
                    yield doc.spec_finding(
                        base,
                        "loot-table",
                        f"loot table {table_id!r}: drop probabilities sum to {total:.6g}, not 1",
                    )


def battle_pass_tiers(game: GameView) -> Iterator[Finding]:
    """Battle pass tiers are numbered 1, 2, 3, ... in order."""
    for doc in game.of_kind("Economy"):
        tiers = doc.spec.get("battlePass", {}).get("tiers", [])
        for i, tier in enumerate(tiers):
            if tier["tier"] != i + 1:
                yield doc.spec_finding(
                    ("battlePass", "tiers", i, "tier"),
                    "battle-pass-tiers",
                    f"tier {tier['tier']} at position {i + 1}: tiers must be numbered 1, 2, 3, ... in order",
                )
