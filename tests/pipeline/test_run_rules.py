"""run_rules: which rules run when only some files are reported."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules import Rule, run_rules
from pipeline.validate import validate
from tests.pipeline.fixtures import SCHEMAS, SHIPPED

PERF = "configs/battle-royale/performance.yaml"
POLICY = "configs/battle-royale/rollout-policy.yaml"


def test_a_rule_for_kinds_not_reported_is_not_run() -> None:
    ran: list[str] = []

    def spy(name: str) -> Rule:
        def rule(game: GameView) -> Iterator[Finding]:
            ran.append(name)
            return iter(())

        return rule

    docs = tuple(d for d in validate(SHIPPED, SCHEMAS).parsed if d.game == "battle-royale")
    view = GameView("battle-royale", docs, docs)
    rules = {name: spy(name) for name in ("policy-rings", "loot-table", "duplicate-name", "a-new-rule")}
    run_rules(view, rules, reported={PERF})
    assert ran == ["duplicate-name", "a-new-rule"]  # unlisted rules may report on anything: they run
    ran.clear()
    run_rules(view, rules, reported={PERF, POLICY})
    assert ran == ["policy-rings", "duplicate-name", "a-new-rule"]
    ran.clear()
    run_rules(view, rules)
    assert ran == list(rules)
