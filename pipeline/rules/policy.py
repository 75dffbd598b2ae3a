from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

from pipeline.documents import Document
from pipeline.durations import parse_duration
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.strategy_names import STRATEGY_NAMES

RELATIVE = ("relativeIncrease", "relativeDecrease")


def policy_present(game: GameView) -> Iterator[Finding]:
    """Each game has exactly one RolloutPolicy: without one nothing can roll out."""
    policies = [d for d in game.parsed if d.kind == "RolloutPolicy"]
    if not policies and game.parsed:
        first = min(game.parsed, key=lambda d: d.file)
        yield first.finding(
            (),
            "policy-present",
            f"game {game.name!r} has no RolloutPolicy, so none of its configs can roll out",
        )
    for extra in sorted(policies, key=lambda d: d.file)[1:]:
        yield extra.finding(
            ("kind",), "policy-present", f"game {game.name!r} has more than one RolloutPolicy; keep one"
        )


def _ascending(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


def _policies(game: GameView) -> list[Document]:
    return game.of_kind("RolloutPolicy")


def rings(game: GameView) -> Iterator[Finding]:
    """Rings ascend and the last is 100 (every server)."""
    for doc in _policies(game):
        values = doc.spec["rings"]
        if not _ascending(values):
            yield doc.spec_finding(("rings",), "policy-rings", f"rings {values} must be strictly ascending")
        if values[-1] != 100:
            yield doc.spec_finding(
                ("rings", len(values) - 1), "policy-rings", f"the last ring is {values[-1]}, it must be 100"
            )


def steps(game: GameView) -> Iterator[Finding]:
    """Each region's steps are rings, ascending, ending at 100."""
    for doc in _policies(game):
        ring_set = doc.spec["rings"]
        for r, region in enumerate(doc.spec["regions"]):
            values = region["steps"]
            for s, step in enumerate(values):
                if step not in ring_set:
                    yield doc.spec_finding(
                        ("regions", r, "steps", s),
                        "policy-steps",
                        f"region {region['name']}: step {step} is not a ring ({ring_set})",
                    )
            if not _ascending(values):
                yield doc.spec_finding(
                    ("regions", r, "steps"),
                    "policy-steps",
                    f"region {region['name']}: steps {values} must be strictly ascending",
                )
            if values[-1] != 100:
                yield doc.spec_finding(
                    ("regions", r, "steps", len(values) - 1),
                    "policy-steps",
                    f"region {region['name']}: the last step is {values[-1]}, it must be 100",
                )
            strategy = STRATEGY_NAMES.get(doc.spec["strategy"])
            # a one-push strategy ignores the steps; any other that takes a region at once needs [100]
            if strategy is not None and strategy.all_at_once and not strategy.one_push and values != [100]:
                yield doc.spec_finding(
                    ("regions", r, "steps"),
                    "policy-steps",
                    f"region {region['name']}: a {strategy.name} rollout switches all at once, steps must be [100]",
                )


def regions(game: GameView) -> Iterator[Finding]:
    """Region names are unique."""
    for doc in _policies(game):
        seen: set[str] = set()
        for r, region in enumerate(doc.spec["regions"]):
            if region["name"] in seen:
                yield doc.spec_finding(
                    ("regions", r, "name"), "policy-regions", f"region {region['name']} is listed twice"
                )
            seen.add(region["name"])


def intervals(game: GameView) -> Iterator[Finding]:
    """Intervals are valid ISO 8601 durations, longer than zero."""
    for doc in _policies(game):
        for r, region in enumerate(doc.spec["regions"]):
            value = parse_duration(region["interval"])
            if value is None:
                yield doc.spec_finding(
                    ("regions", r, "interval"),
                    "policy-interval",
                    f"region {region['name']}: {region['interval']!r} is not an ISO 8601 duration such as PT30M",
                )
            elif value <= timedelta(0):
                yield doc.spec_finding(
                    ("regions", r, "interval"),
                    "policy-interval",
                    f"region {region['name']}: the interval must be longer than zero",
                )


def checks(game: GameView) -> Iterator[Finding]:
    """Check names are unique; each check judges something; relative thresholds have a baseline."""
    for doc in _policies(game):
        seen: set[str] = set()
        for i, check in enumerate(doc.spec["analysis"]["checks"]):
            base = ("analysis", "checks", i)
            name = check["name"]
            if name in seen:
                yield doc.spec_finding((*base, "name"), "policy-checks", f"check {name!r} is defined twice")
            seen.add(name)
            levels = [lv for lv in ("critical", "warning") if lv in check]
            if not levels:
                yield doc.spec_finding(
                    base,
                    "policy-checks",
                    f"check {name!r} has neither a critical nor a warning threshold, so it judges nothing",
                )
            for level in levels:
                ((op, _),) = check[level].items()
                if op in RELATIVE and "baseline" not in check and "test" not in check:
                    yield doc.spec_finding(
                        (*base, level),
                        "policy-checks",
                        f"check {name!r}: {op} compares against a baseline, but the check has no baseline query",
                    )
            if len(levels) == 2:
                ((c_op, c_val),) = check["critical"].items()
                ((w_op, w_val),) = check["warning"].items()
                if c_op == w_op and _warning_unreachable(c_op, c_val, w_val):
                    yield doc.spec_finding(
                        (*base, "warning"),
                        "policy-checks",
                        f"check {name!r}: the warning threshold ({w_val}) is not less severe than the critical one ({c_val}), so it can never fire",
                        "warning",
                    )


def _warning_unreachable(op: str, critical: float, warning: float) -> bool:
    if op == "below":
        return warning <= critical
    return warning >= critical
