"""`hotswap plan`'s expected hold times on a new-form policy built in Python (the schema on main
does not accept the new check form yet): the arithmetic of pipeline.judge.requirement, step by step."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.hold_times import rows
from pipeline.hold_times import Paced, holds, settings_of, spec_of, step_intervals
from pipeline.judge import SEED_CHECKS, Expected, Settings, requirement
from pipeline.plan import GamePlan, Plan
from pipeline.plan_format import as_dict, to_markdown, to_text
from pipeline.policy import Check, Region, RolloutPolicy, Threshold


@dataclass(frozen=True)
class JudgedCheck(Check):
    """A check of the new form, with the fields the policy will carry (read with getattr)."""

    expected: Any = None


@dataclass(frozen=True)
class Judge:
    confidence: float = 0.99
    power: float = 0.9
    max_duration: timedelta | None = None


@dataclass(frozen=True)
class JudgedPolicy(RolloutPolicy):
    judge: Any = None


def churn(expected: Any) -> JudgedCheck:
    critical, warning = Threshold("relativeIncrease", 0.05), Threshold("relativeIncrease", 0.02)
    return JudgedCheck("churn", "", None, critical, warning, test="rate", detect=0.25, expected=expected)


def crashes(expected: Any) -> JudgedCheck:
    return JudgedCheck(
        "crash-rate", "", None, Threshold("relativeIncrease", 0.10), None, test="rate", detect=0.4, expected=expected
    )


def policy(churn_pace: Any, crash_pace: Any, judge: Judge | None = None) -> JudgedPolicy:
    return JudgedPolicy(
        game="g",
        strategy="canary",
        rings=(10, 50, 90, 100),
        regions=(
            Region("NA-WEST", (10, 50, 90, 100), timedelta(minutes=30), False),
            Region("EU-WEST", (90, 100), timedelta(hours=1), True),
        ),
        checks=(churn(churn_pace), crashes(crash_pace)),
        judge=judge or Judge(),
    )


def plan_of(p: RolloutPolicy) -> Plan:
    return Plan("f" * 40, (GamePlan("g", "e" * 40, "main~1", ("configs/g/rollout.yaml",), p),))


SETTINGS = Settings(confidence=0.99, power=0.9)


def test_the_first_step_holds_until_the_slowest_check_has_its_evidence_and_it_carries() -> None:
    mid = policy(2000, 500)  # a mid-size game: ~200 churn events and ~50 crashes per interval at 10%
    assert settings_of(mid) == SETTINGS
    specs = [s for s in (spec_of(c) for c in mid.checks) if s is not None]
    first = max(
        requirement(s, Expected(pace * 0.1, pace * 0.9), SETTINGS, 2).intervals
        for s, pace in zip(specs, (2000, 500), strict=True)
    )
    na, eu = holds(mid).regions
    assert [s.intervals for s in na.steps] == [math.ceil(first), 1, 1, 1] and first > 2
    # a new region starts afresh; at 90% the baseline is the 10% holdback; 100% only completes it
    at90 = max(
        requirement(s, Expected(pace * 0.9, pace * 0.1), SETTINGS, 2).intervals
        for s, pace in zip(specs, (2000, 500), strict=True)
    )
    assert [s.intervals for s in eu.steps] == [math.ceil(at90), 1]
    assert holds(mid).duration == timedelta(minutes=30) * (math.ceil(first) + 3) + timedelta(hours=1) * (
        math.ceil(at90) + 1
    )


def test_evidence_carries_from_step_to_step_of_a_region() -> None:
    paced = [Paced(SEED_CHECKS[0], 200), Paced(SEED_CHECKS[1], 50)]  # a small game at 10%: 20 churn, 5 crashes
    alone = step_intervals(paced, (10,), Settings(), 6)[0].intervals
    assert alone == 111  # as README's table says for a small game's 10% canary
    carried = step_intervals(paced, (5, 10), Settings(), 6)
    assert carried[0].intervals is not None and carried[1].intervals is not None
    assert carried[1].intervals < alone  # what step 5 gathered counts at step 10


def test_plan_text_and_json_show_the_holds() -> None:
    mid = policy(2000, 500)
    na, eu = holds(mid).regions
    text = to_text(plan_of(mid))
    first = na.steps[0].intervals
    assert first is not None
    assert f"  1. NA-WEST: 10% → 50% → 90% → 100%, 30m per step\n     expected holds: 10% {first} intervals (" in text
    assert ", 50% 1, 90% 1, 100% 1\n" in text
    expected = holds(mid).duration
    assert expected is not None
    minutes = int(expected.total_seconds()) // 60
    shown = f"{minutes // 60}h{minutes % 60}m" if minutes % 60 else f"{minutes // 60}h"
    assert (
        f"  minimum time to 100% everywhere: {shown} with the expected holds (4h without) plus approval for EU-WEST\n"
        in text
    )
    (game,) = as_dict(plan_of(mid))["games"]
    assert [s["expectedIntervals"] for s in game["stages"]] == [[first, 1, 1, 1], [eu.steps[0].intervals, 1]]
    assert game["minimumSeconds"] == 4 * 3600 and game["expectedSeconds"] == expected.total_seconds()
    assert f"Expected holds in NA-WEST: 10% {first} intervals" in to_markdown(plan_of(mid))


def test_without_an_expected_pace_holds_depend_on_traffic() -> None:
    unknown = policy(None, 500)
    text = to_text(plan_of(unknown))
    assert "     expected holds: depend on traffic (no expected pace for churn)\n" in text
    assert "minimum time to 100% everywhere: 4h plus holds that depend on traffic plus approval for EU-WEST" in text
    (game,) = as_dict(plan_of(unknown))["games"]
    assert [s["expectedIntervals"] for s in game["stages"]] == [None, None] and game["expectedSeconds"] is None


def test_a_step_past_max_duration_is_shown_to_pause() -> None:
    small = policy({"perInterval": 200}, {"perInterval": 50}, Judge(max_duration=timedelta(hours=12)))
    (na, _) = holds(small).regions
    assert na.steps[0].beyond_max and not na.steps[1].beyond_max
    assert "beyond maxDuration 12h: pauses as inconclusive)" in to_text(plan_of(small))
    assert "4h plus holds; expected to hold past maxDuration and pause: NA-WEST/10%, EU-WEST/90%" in to_text(
        plan_of(small)
    )
    (game,) = as_dict(plan_of(small))["games"]
    assert game["expectedSeconds"] is None and game["stages"][0]["expectedIntervals"][1:] == [1, 1, 1]


def test_an_old_form_policy_plans_as_before() -> None:
    old = RolloutPolicy(
        game="g",
        strategy="canary",
        rings=(10, 100),
        regions=(Region("NA-WEST", (10, 100), timedelta(minutes=30), False),),
        checks=(Check("churn", "q", "b", Threshold("relativeIncrease", 0.05), None),),
    )
    text = to_text(plan_of(old))
    assert "expected holds" not in text
    assert "  minimum time to 100% everywhere: 1h\n" in text
    (game,) = as_dict(plan_of(old))["games"]
    assert game["stages"][0]["expectedIntervals"] == [1, 1] and game["expectedSeconds"] == 3600


def test_the_readme_hold_table_is_what_the_arithmetic_gives() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("<!-- hold-times -->\n")[1].split("<!-- /hold-times -->")[0]
    assert table.strip().splitlines() == rows()
