"""Rules of `spec.strategies`, `spec.freeze` and `spec.notBefore` that a schema cannot express."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from contract.instants import instant_problem, parse_instant
from pipeline.documents import Document
from pipeline.durations import parse_duration
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.policy import policy_from_spec
from pipeline.strategy_names import ALL_AT_ONCE, STRATEGY_NAMES, known_names
from pipeline.strategy_select import apply_rule, caution


def strategy_rules(game: GameView) -> Iterator[Finding]:
    """Each rule names regions and checks the policy has, steps that are rings, intervals longer
    than zero; an expedited rule applies only to releases that touch nothing else (`only: true`);
    an `only` rule is no more cautious than the default, so adding a file never relaxes the choice."""
    for doc in game.of_kind("RolloutPolicy"):
        spec = doc.spec
        regions = {r["name"] for r in spec["regions"]}
        checks = {c["name"] for c in spec["analysis"]["checks"]}
        policy = policy_from_spec(game.name, spec)
        for i, raw in enumerate(spec.get("strategies", ())):
            base = ("strategies", i)
            yield from _rule_fields(doc, base, raw, regions, checks, spec["rings"])
            only = bool(raw["match"].get("only"))
            chosen = STRATEGY_NAMES.get(raw["strategy"])
            if chosen is not None and chosen.one_push and not only:
                yield doc.spec_finding(
                    (*base, "match"),
                    "policy-strategies",
                    f"an {chosen.name} rule must set `only: true`: it may never carry a release that also touches"
                    " other files",
                )
            rule = policy.strategies[i]
            if {raw["strategy"], spec["strategy"]} - STRATEGY_NAMES.keys():
                continue  # known_strategies reports the name; no caution to compare
            if only and caution(apply_rule(policy, rule)) > caution(policy):
                yield doc.spec_finding(
                    (*base, "match", "only"),
                    "policy-strategies",
                    f"an `only` rule relaxes the default; this one ({raw['strategy']}) is more cautious than "
                    f"spec.strategy ({spec['strategy']}), so adding a file could relax the rollout: drop `only`",
                )


def known_strategies(game: GameView) -> Iterator[Finding]:
    """`spec.strategy` and each rule's strategy name one the registry holds (pipeline.strategy_names):
    a repository's own schema may allow another name, but nothing rolls out with a name no code knows."""
    for doc in game.of_kind("RolloutPolicy"):
        named: list[tuple[tuple[str | int, ...], object]] = [(("strategy",), doc.spec.get("strategy"))]
        named += [
            (("strategies", i, "strategy"), r.get("strategy")) for i, r in enumerate(doc.spec.get("strategies", ()))
        ]
        for path, name in named:
            if isinstance(name, str) and name not in STRATEGY_NAMES:
                yield doc.spec_finding(
                    path, "policy-strategy", f"unknown strategy {name!r}: one of {', '.join(known_names())}"
                )


def _rule_fields(
    doc: Document, base: tuple[str, int], raw: dict[str, Any], regions: set[str], checks: set[str], rings: list[int]
) -> Iterator[Finding]:
    strategy = raw["strategy"]
    overrides = raw.get("regions", {})
    for name, override in overrides.items():
        where = (*base, "regions", name)
        if name not in regions:
            yield doc.spec_finding(
                where,
                "policy-strategies",
                f"region {name} is not one of the policy's regions ({', '.join(sorted(regions))})",
            )
        steps = override.get("steps")
        if steps is not None:
            problem = _steps_problem(steps, rings, str(strategy))
            if problem:
                yield doc.spec_finding((*where, "steps"), "policy-strategies", f"region {name}: {problem}")
        if "interval" in override:
            yield from _interval(doc, (*where, "interval"), override["interval"])
    analysis = raw.get("analysis", {})
    for j, check in enumerate(analysis.get("checks", ())):
        if check not in checks:
            yield doc.spec_finding(
                (*base, "analysis", "checks", j),
                "policy-strategies",
                f"check {check!r} is not one of analysis.checks ({', '.join(sorted(checks))})",
            )
    if "interval" in analysis:
        yield from _interval(doc, (*base, "analysis", "interval"), analysis["interval"])


def _steps_problem(steps: list[int], rings: list[int], strategy: str) -> str | None:
    if strategy in ALL_AT_ONCE and steps != [100]:
        return f"a {strategy} rollout takes a region at once, steps must be [100]"
    if any(s not in rings for s in steps):
        return f"steps {steps} must be rings ({rings})"
    if not all(a < b for a, b in itertools.pairwise(steps)) or steps[-1] != 100:
        return f"steps {steps} must be strictly ascending and end at 100"
    return None


def _interval(doc: Document, path: tuple[str | int, ...], value: object) -> Iterator[Finding]:
    parsed = parse_duration(value) if isinstance(value, str) else None
    if parsed is None or parsed <= timedelta(0):
        yield doc.spec_finding(
            path, "policy-strategies", f"interval {value!r} must be an ISO 8601 duration longer than zero"
        )


def freeze(game: GameView) -> Iterator[Finding]:
    """Freeze windows end after they start and name real instants; notBefore is a real instant.
    Overlapping windows are fine: together they freeze their union."""
    for doc in game.of_kind("RolloutPolicy"):
        spec = doc.spec
        for i, window in enumerate(spec.get("freeze", ())):
            start, end = parse_instant(window["start"]), parse_instant(window["end"])
            for key in ("start", "end"):
                problem = instant_problem(window[key])
                if problem is not None:
                    yield doc.spec_finding(("freeze", i, key), "policy-freeze", problem)
            if start is not None and end is not None and end <= start:
                yield doc.spec_finding(
                    ("freeze", i, "end"),
                    "policy-freeze",
                    f"freeze window {window['reason']!r} ends ({window['end']}) before it starts ({window['start']})"
                    if end < start
                    else f"freeze window {window['reason']!r} ends when it starts: it freezes nothing",
                )
        problem = instant_problem(spec["notBefore"]) if "notBefore" in spec else None
        if problem is not None:
            yield doc.spec_finding(("notBefore",), "policy-freeze", problem)
