"""Semantic rules: what a schema cannot express. One pure function per rule, keyed by rule id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules import economy, events, experiment, judge, matchmaking, names, policy, references, templates


class Rule(Protocol):
    def __call__(self, game: GameView) -> Iterable[Finding]: ...


RULES: dict[str, Rule] = {
    "duplicate-name": names.duplicate_names,
    "loot-table": economy.loot_tables,
    "battle-pass-tiers": economy.battle_pass_tiers,
    "event-window": events.event_window,
    "event-regions": events.event_regions,
    "matchmaking-bands": matchmaking.skill_bands,
    "matchmaking-capacity": matchmaking.capacity,
    "references": references.undefined_references,
    "duplicate-definition": references.duplicate_definitions,
    "policy-present": policy.policy_present,
    "policy-rings": policy.rings,
    "policy-steps": policy.steps,
    "policy-regions": policy.regions,
    "policy-interval": policy.intervals,
    "policy-checks": policy.checks,
    "policy-judge": judge.check_forms,
    "policy-holdback": judge.holdback,
    "policy-detect": judge.detect_reachable,
    "query-variables": templates.query_variables,
    "experiment-variants": experiment.variants,
    "experiment-target": experiment.target,
}


def run_rules(game: GameView, rules: dict[str, Rule] | None = None) -> list[Finding]:
    found: list[Finding] = []
    for rule in (rules or RULES).values():
        found.extend(rule(game))
    return found
