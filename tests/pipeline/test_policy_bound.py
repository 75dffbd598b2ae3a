"""The bound of a release's policy by the policy in force, field by field on plain values, and the
property that the bound is never less cautious than either input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.policy import Check, JudgeSettings, Region, RolloutPolicy, Threshold, ThresholdOp
from pipeline.policy_bound import bound, choose
from pipeline.strategy_names import known_names, rank
from pipeline.strategy_rules import FreezeWindow, Match, StrategyRule
from pipeline.strategy_select import Touched

T0 = datetime(2026, 12, 24, tzinfo=UTC)
H = timedelta(hours=1)
XMAS = FreezeWindow(T0, T0 + 48 * H, "holidays")
CHURN = Check("churn", "", None, Threshold("relativeIncrease", 0.05), Threshold("relativeIncrease", 0.02), test="rate")
SERVED = RolloutPolicy(
    game="g",
    strategy="canary",
    rings=(10, 50, 100),
    regions=(
        Region("NA-WEST", (10, 100), timedelta(minutes=30), False),
        Region("EU-WEST", (100,), H, True),
    ),
    checks=(CHURN,),
    freeze=(XMAS,),
)


def test_a_release_that_edits_nothing_is_its_own_policy() -> None:
    limit = bound(SERVED, SERVED)
    assert limit.policy == SERVED and limit.kept == () and limit.note == ""


def test_freezes_are_the_union_and_notbefore_the_later() -> None:
    patch = FreezeWindow(T0 + 100 * H, T0 + 101 * H, "patch day")
    served = replace(SERVED, not_before=T0 + H)
    limit = bound(served, replace(SERVED, freeze=(patch,), not_before=T0))
    assert set(limit.policy.freeze) == {XMAS, patch}
    assert limit.policy.not_before == T0 + H
    assert "freeze kept" in limit.kept and "notBefore 2026-12-24T01:00:00.000Z" in limit.kept
    assert bound(served, replace(SERVED, freeze=(), not_before=T0 + 2 * H)).policy.not_before == T0 + 2 * H


def test_strategy_takes_the_higher_rank() -> None:
    assert bound(replace(SERVED, strategy="blue-green"), SERVED).policy.strategy == "blue-green"
    assert bound(SERVED, replace(SERVED, strategy="expedited")).policy.strategy == "canary"
    assert bound(SERVED, replace(SERVED, strategy="blue-green")).policy.strategy == "blue-green"
    assert "strategy canary" in bound(SERVED, replace(SERVED, strategy="expedited")).kept


def test_approval_steps_and_intervals_per_region() -> None:
    brought = replace(
        SERVED,
        rings=(10, 30, 50, 100),
        regions=(
            Region("NA-WEST", (30, 50, 100), timedelta(minutes=10), True),
            Region("EU-WEST", (100,), timedelta(minutes=5), False),
        ),
    )
    na, eu = bound(SERVED, brought).policy.regions
    # 30 is not a served ring: a change of rings applies from the next release
    assert na == Region("NA-WEST", (10, 50, 100), timedelta(minutes=30), True)
    assert eu == Region("EU-WEST", (100,), H, True)
    assert bound(SERVED, brought).policy.rings == (10, 50, 100)
    kept = bound(SERVED, brought).kept
    assert "approval in EU-WEST" in kept and "steps in NA-WEST" in kept and "interval in NA-WEST, EU-WEST" in kept
    assert any(k.startswith("rings [10, 50, 100]") for k in kept)


def test_a_region_the_release_drops_is_kept() -> None:
    brought = replace(SERVED, regions=SERVED.regions[:1])
    limit = bound(SERVED, brought)
    assert [r.name for r in limit.policy.regions] == ["NA-WEST", "EU-WEST"] and "regions EU-WEST" in limit.kept


def test_checks_are_the_union_by_name_with_the_stricter_tolerance() -> None:
    loose = replace(CHURN, critical=Threshold("relativeIncrease", 0.5), warning=None, detect=0.6)
    crashes = Check("crashes", "", None, Threshold("above", 0.02), None, test="absolute")
    served = replace(SERVED, checks=(replace(CHURN, detect=0.25), crashes))
    limit = bound(served, replace(SERVED, checks=(loose,)))
    churn, kept_crashes = limit.policy.checks
    assert churn.critical == Threshold("relativeIncrease", 0.05) and churn.warning == CHURN.warning
    assert churn.detect == 0.25 and kept_crashes == crashes
    assert "checks churn, crashes" in limit.kept
    # below: the higher value is the stricter
    low = Check("health", "", None, Threshold("below", 0.5), None, test="absolute")
    (health,) = bound(
        replace(SERVED, checks=(low,)), replace(SERVED, checks=(replace(low, critical=Threshold("below", 0.2)),))
    ).policy.checks
    assert health.critical == Threshold("below", 0.5)
    # another test: the check in force is kept as it is
    other = replace(CHURN, test="mean", critical=Threshold("relativeDecrease", 0.1), warning=None)
    assert bound(SERVED, replace(SERVED, checks=(other,))).policy.checks == (CHURN,)


ERRORS = Check("errors", "", None, Threshold("above", 0.01), None, test="absolute", events="errors_total")
LEGACY = Check("latency", "avg(latency{revision='{{revision}}'})", "avg(latency{revision='{{baseline}}'})", None, None)
JUDGED = replace(
    SERVED, checks=(CHURN, ERRORS, LEGACY), exposure_query="sum(players)", exposure_minimum=10, exposure_counter="ps"
)
LEVEL = Threshold("relativeIncrease", 0.5)


@pytest.mark.parametrize(
    ("brought", "field"),
    [
        (replace(JUDGED, checks=(CHURN, replace(ERRORS, events="vector(0)"), LEGACY)), "checks"),
        (replace(JUDGED, checks=(CHURN, ERRORS, replace(LEGACY, query="vector(0) or max(latency)"))), "checks"),
        (replace(JUDGED, checks=(CHURN, ERRORS, replace(LEGACY, baseline=LEGACY.query))), "checks"),
        (replace(JUDGED, checks=(replace(CHURN, test="mean", critical=LEVEL), ERRORS, LEGACY)), "checks"),
        (replace(JUDGED, exposure_minimum=0), "exposure_minimum"),
        (replace(JUDGED, exposure_query="vector(1e9)"), "exposure_query"),
        (replace(JUDGED, exposure_counter="vector(1e9)"), "exposure_counter"),
        (replace(JUDGED, inconclusive_limit=1000), "inconclusive_limit"),
        (replace(JUDGED, error_limit=1000), "error_limit"),
        (replace(JUDGED, judge=JudgeSettings(confidence=0.5, power=0.5, max_duration=timedelta(days=30))), "judge"),
    ],
)
def test_a_release_is_never_the_judge_of_itself(brought: RolloutPolicy, field: str) -> None:
    # Nothing is deleted and no tolerance loosened, yet each of these would read or judge the
    # release more leniently: the policy in force judges it, and the change applies next time.
    limit = bound(JUDGED, brought)
    assert getattr(limit.policy, field) == getattr(JUDGED, field)
    assert limit.kept, "plan and status say the bound applied"
    stricter = replace(JUDGED, exposure_minimum=50, inconclusive_limit=1, judge=JudgeSettings(0.999, 0.999))
    assert bound(JUDGED, stricter).policy == stricter  # tightening takes effect at once


def test_choose_bounds_the_release_by_the_in_force_policy_chosen_for_the_same_files() -> None:
    rule = StrategyRule(Match(kinds=("GameBalance",)), "blue-green")
    served = replace(SERVED, strategies=(rule,))
    touched = [Touched("balance.yaml", "GameBalance")]
    attack = choose(replace(SERVED, freeze=()), touched, served)  # the rule and the freeze deleted
    assert attack.policy.strategy == "blue-green" and XMAS in attack.policy.freeze
    assert attack.bound == "policy bounded by the one in force: freeze kept, strategy blue-green"
    assert attack.why.startswith("blue-green with approval in EU-WEST: policy bounded by the one in force")
    assert "(the release alone: canary" in attack.why
    honest = choose(served, touched, served)
    assert honest.bound == "" and honest.policy.strategy == "blue-green"
    assert choose(SERVED, touched, None).bound == ""


# --- the property ---------------------------------------------------------------------------------

OPS: tuple[ThresholdOp, ThresholdOp] = ("relativeIncrease", "above")


@st.composite
def policies(draw: st.DrawFn) -> RolloutPolicy:
    rings = (10, 50, 100)

    def region(name: str) -> Region:
        steps = tuple(sorted(set(draw(st.lists(st.sampled_from(rings[:-1]), max_size=2))) | {100}))
        return Region(name, steps, timedelta(minutes=draw(st.integers(1, 120))), draw(st.booleans()))

    names = draw(st.lists(st.sampled_from(["NA-WEST", "EU-WEST", "APAC"]), min_size=1, max_size=3, unique=True))
    checks = []
    for name in draw(st.lists(st.sampled_from(["churn", "crashes", "lag"]), max_size=3, unique=True)):
        op = OPS[["churn", "crashes", "lag"].index(name) % 2]
        critical = draw(st.floats(0.01, 1.0))
        warning = draw(st.one_of(st.none(), st.floats(0.001, 1.0)))
        checks.append(
            Check(name, "", None, Threshold(op, critical), Threshold(op, warning) if warning else None, test="rate")
        )
    windows = [
        FreezeWindow(T0 + s * H, T0 + (s + 1 + d) * H, f"w{s}")
        for s, d in draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=2))
    ]
    start = draw(st.one_of(st.none(), st.integers(0, 10)))
    return RolloutPolicy(
        game="g",
        strategy=draw(st.sampled_from(known_names())),
        rings=rings,
        regions=tuple(region(n) for n in names),
        checks=tuple(checks),
        freeze=tuple(windows),
        not_before=None if start is None else T0 + start * H,
    )


def at_least_as_cautious(a: RolloutPolicy, b: RolloutPolicy) -> bool:
    """`a` is no less cautious than `b` in any field the bound covers."""
    regions = {r.name: r for r in a.regions}
    checks = {c.name: c for c in a.checks}

    def stricter(x: Threshold | None, y: Threshold | None) -> bool:
        return y is None or (x is not None and x.op == y.op and x.value <= y.value)

    return (
        rank(a.strategy) >= rank(b.strategy)
        and set(b.freeze) <= set(a.freeze)
        and (b.not_before is None or (a.not_before is not None and a.not_before >= b.not_before))
        and all(
            r.name in regions
            and regions[r.name].interval >= r.interval
            and regions[r.name].approval >= r.approval
            and {s for s in r.steps if s in a.rings} <= set(regions[r.name].steps)
            for r in b.regions
        )
        and all(
            c.name in checks
            and stricter(checks[c.name].critical, c.critical)
            and stricter(checks[c.name].warning, c.warning)
            for c in b.checks
        )
        and a.inconclusive_limit <= b.inconclusive_limit
        and a.error_limit <= b.error_limit
        and a.exposure_minimum >= b.exposure_minimum
        and a.judge.confidence >= b.judge.confidence
        and a.judge.power >= b.judge.power
        and a.judge.max_duration <= b.judge.max_duration
    )


@settings(max_examples=300, deadline=None)
@given(policies(), policies())
def test_the_bound_is_never_less_cautious_than_either_input(served: RolloutPolicy, brought: RolloutPolicy) -> None:
    limited = bound(served, brought).policy
    assert at_least_as_cautious(limited, served)
    assert at_least_as_cautious(limited, brought)
    assert limited.rings == served.rings
