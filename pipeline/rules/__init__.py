"""Semantic rules: what a schema cannot express. One pure function per rule, keyed by rule id.

Rules are written against documents that passed their schema (`GameView.documents`). So that a
schema error does not hide a file's other errors, `run_rules` also runs each rule with the
documents that failed theirs, keeping what it says about those documents, except where the schema
already spoke (a value with a schema error is not judged again). A rule that trips over a wrong
type in such a document (KeyError, TypeError, ...) simply has no more to say about it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules import (
    bluegreen,
    economy,
    events,
    experiment,
    judge,
    matchmaking,
    names,
    policy,
    references,
    strategies,
    templates,
    unloaded,
)


class Rule(Protocol):
    def __call__(self, game: GameView, /) -> Iterable[Finding]: ...


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
    "policy-present": unloaded.unless_unloaded(policy.policy_present),
    "policy-rings": policy.rings,
    "policy-steps": policy.steps,
    "policy-regions": policy.regions,
    "policy-interval": policy.intervals,
    "policy-checks": policy.checks,
    "policy-strategy": strategies.known_strategies,
    "policy-strategies": strategies.strategy_rules,
    "policy-freeze": strategies.freeze,
    "policy-switch-lead": bluegreen.switch_lead,
    "policy-judge": judge.check_forms,
    "policy-holdback": judge.holdback,
    "policy-detect": judge.detect_reachable,
    "query-variables": templates.query_variables,
    "experiment-variants": experiment.variants,
    "experiment-target": experiment.target,
}

# The kinds each rule reports on (rules not listed may report on any document). With
# `--changed-since`, a rule none of whose kinds is reported is not run: a one-file change to a
# Performance config need not judge the game's policy (nor import the judge's numerics).
POLICY_RULES = ("policy-rings", "policy-steps", "policy-regions", "policy-interval", "policy-checks")
STRATEGY_RULES = ("policy-strategy", "policy-strategies", "policy-freeze", "policy-switch-lead")
JUDGE_RULES = ("policy-judge", "policy-holdback", "policy-detect")
REPORTS_ON: dict[str, frozenset[str]] = {
    "loot-table": frozenset({"Economy"}),
    "battle-pass-tiers": frozenset({"Economy"}),
    "event-window": frozenset({"LiveEvent"}),
    "event-regions": frozenset({"LiveEvent"}),
    "matchmaking-bands": frozenset({"Matchmaking"}),
    "matchmaking-capacity": frozenset({"Matchmaking"}),
    **dict.fromkeys((*POLICY_RULES, *JUDGE_RULES, *STRATEGY_RULES), frozenset({"RolloutPolicy"})),
    "query-variables": frozenset({"RolloutPolicy", "Experiment"}),
    "experiment-variants": frozenset({"Experiment"}),
    "experiment-target": frozenset({"Experiment"}),
}

# What a rule raises on a shape its document's schema forbids: the schema finding already says it.
WRONG_SHAPE = (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError)


def run_rules(
    game: GameView, rules: dict[str, Rule] | None = None, reported: Collection[str] | None = None
) -> list[Finding]:
    """Every rule's findings; with `reported`, flawed documents outside it are not judged (their
    findings would be dropped)."""
    found: list[Finding] = []
    flawed = tuple(d for d in game.flawed if reported is None or d.file in reported)
    kinds = None if reported is None else {d.kind for d in game.parsed if d.file in reported}
    for name, rule in (rules or RULES).items():
        if kinds is not None and name in REPORTS_ON and not REPORTS_ON[name] & kinds:
            continue
        found.extend(rule(game))
        if flawed:
            found.extend(_judge_flawed(rule, game, flawed))
    return found


def _judge_flawed(rule: Rule, game: GameView, docs: tuple[Document, ...]) -> list[Finding]:
    """The rule's findings on `docs` (flawed documents), outside the paths their schema flagged."""
    wide = GameView(game.name, (*game.documents, *docs), game.parsed, game.unloaded, game.flaws)
    files = {d.file for d in docs}
    said: list[Finding] = []
    try:
        for finding in rule(wide):
            if finding.file in files and not _under_flaw(finding, game.flaws.get(finding.file, frozenset())):
                said.append(finding)
    except WRONG_SHAPE:
        if len(docs) > 1:  # one document's wrong shape must not silence the rule on the others
            return [f for d in docs for f in _judge_flawed(rule, game, (d,))]
    return said


def _under_flaw(finding: Finding, flaws: frozenset[str]) -> bool:
    """A finding at, inside or (but for the document itself) around a value the schema rejected."""
    path = finding.path
    around = path not in ("$", "$.spec")
    return any(_within(path, flaw) or (around and _within(flaw, path)) for flaw in flaws)


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))
