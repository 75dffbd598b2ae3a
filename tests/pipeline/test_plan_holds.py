"""`hotswap plan`'s expected hold times: real policies from YAML in a test repo through the CLI, held
against the promoter's own arithmetic (judge.requirement with judge_settings_of and the
split over every judged check, as promoter/evaluate.py does), plus the step-by-step arithmetic."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from bench.hold_times import SIZES, policy, rows
from judge import (
    SEED_CHECKS,
    AbsoluteBatch,
    Batch,
    Expected,
    MeanArm,
    MeanBatch,
    RateBatch,
    Settings,
    check_alpha,
    lookup,
    requirement,
)
from pipeline.hold_times import Paced, expected_at, holds, step_intervals
from pipeline.policy import Check, RolloutPolicy, check_spec, judge_settings_of, policy_from_spec
from tests.conftest import RunCli, git

POLICY = "configs/battle-royale/rollout-policy.yaml"
LATER = ("NA-EAST", "EU-WEST", "EU-EAST", "APAC")  # the regions its winter festival runs in

CHURN = {
    "name": "churn",
    "test": "rate",
    "events": "hotswap_players_churned_total",
    "critical": {"relativeIncrease": 0.05},
    "warning": {"relativeIncrease": 0.02},
    "detect": 0.25,
}
CRASHES = {
    "name": "crash-rate",
    "test": "rate",
    "events": "hotswap_server_crashes_total",
    "critical": {"relativeIncrease": 0.1},
    "detect": 0.4,
}
COMPLAINTS = {
    "name": "complaints",
    "test": "absolute",
    "events": "hotswap_player_complaints_total",
    "critical": {"above": 0.01},
}


# A later region's 90% step is judged against its 10% holdback: at power 0.99 a mid-size game's
# crash check needs ~21 of these hour-long intervals there, past the default maxDuration (PT12H).
LONGER = {"maxDuration": "P1D"}


def _write_policy(repo: Path, checks: list[dict[str, Any]], judge: dict[str, Any] = LONGER) -> dict[str, Any]:
    """Replace the game's RolloutPolicy with a new-form one (a canary in NA-WEST, then the game's other
    regions with a holdback step) and commit."""
    doc = yaml.safe_load((repo / POLICY).read_text())
    doc["spec"].update(
        rings=[10, 50, 90, 100],
        regions=[
            {"name": "NA-WEST", "steps": [10, 50, 90, 100], "interval": "PT30M"},
            *({"name": name, "steps": [90, 100], "interval": "PT1H"} for name in LATER),
        ],
        analysis={
            "exposure": {"counter": "hotswap_player_seconds_total", "minimum": 50},
            "checks": checks,
            "judge": judge,
        },
    )
    (repo / POLICY).write_text(yaml.safe_dump(doc, sort_keys=False))
    git(repo, "commit", "-qam", "new-form policy")
    # The policy in force bounds a release that edits it (pipeline.policy_bound): the plan measured
    # here is of a later release under this policy (base HEAD~1), so it is the policy as written.
    (repo / POLICY).write_text(yaml.safe_dump(doc, sort_keys=False) + "# re-planned\n")
    git(repo, "commit", "-qam", "a later release under it")
    return dict(doc["spec"])


def _plan(run_cli: RunCli, repo: Path, fmt: str = "json") -> Any:
    code, out, _ = run_cli(["plan", "--repo", str(repo), "--game", "battle-royale", "--format", fmt])
    assert code == 0, out
    return json.loads(out)["games"][0] if fmt == "json" else out


def _promoter_needs(p: RolloutPolicy, step: int) -> int:
    """The intervals the promoter's judge needs at a region's first step at the `expected` pace: per
    check requirement() with the region's settings and the split over every judged check."""
    settings = judge_settings_of(p)
    intervals = []
    for check in p.judged:
        assert check.expected is not None
        spec = check_spec(check)
        candidate, baseline = check.expected * step / 100, check.expected * (100 - step) / 100
        expected = Expected(candidate / spec.guarded) if spec.test == "absolute" else Expected(candidate, baseline)
        intervals.append(requirement(spec, expected, settings, len(p.judged)).intervals)
    return math.ceil(max(intervals) - 1e-9)


def test_plan_holds_a_first_step_as_long_as_the_promoters_judge_needs(git_repo: Path, run_cli: RunCli) -> None:
    paced = [{**CHURN, "expected": 2000}, {**CRASHES, "expected": 500}, {**COMPLAINTS, "expected": 500}]
    spec = _write_policy(git_repo, paced)
    game = _plan(run_cli, git_repo)
    p = policy_from_spec("battle-royale", spec)
    assert judge_settings_of(p) == Settings(confidence=1 - 0.01 / 5, power=0.99)  # alpha split over 5 regions
    na, *later = (stage["expectedIntervals"] for stage in game["stages"])
    first, at90 = _promoter_needs(p, 10), _promoter_needs(p, 90)
    assert first > 2 and at90 > 2
    # evidence carries: the later steps of NA-WEST pass after one interval; a new region starts afresh at 90
    assert na == [first, 1, 1, 1] and later == [[at90, 1]] * 4
    assert game["expectedSeconds"] == (first + 3) * 1800 + 4 * (at90 + 1) * 3600
    text = _plan(run_cli, git_repo, "text")
    assert f"     expected holds: 10% {first} intervals (" in text and ", 50% 1, 90% 1, 100% 1\n" in text
    assert "with the expected holds (10h without)\n" in text


def test_the_judge_settings_and_the_check_count_change_the_hold(git_repo: Path, run_cli: RunCli) -> None:
    base = [{**CHURN, "expected": 2000}]
    spec = _write_policy(git_repo, base, {"confidence": 0.9, "power": 0.8})
    loose = _plan(run_cli, git_repo)["stages"][0]["expectedIntervals"][0]
    assert loose == _promoter_needs(policy_from_spec("battle-royale", spec), 10)
    spec = _write_policy(git_repo, [*base, {**CRASHES, "expected": 1e9}])  # a second check takes half the alpha
    strict = _plan(run_cli, git_repo)["stages"][0]["expectedIntervals"][0]
    assert strict == _promoter_needs(policy_from_spec("battle-royale", spec), 10) and strict > loose


def test_without_an_expected_pace_holds_depend_on_traffic(git_repo: Path, run_cli: RunCli) -> None:
    _write_policy(git_repo, [CHURN, {**CRASHES, "expected": 500}])
    game = _plan(run_cli, git_repo)
    assert [s["expectedIntervals"] for s in game["stages"]] == [None] * 5 and game["expectedSeconds"] is None
    assert game["minimumSeconds"] == 4 * 1800 + 4 * 2 * 3600
    text = _plan(run_cli, git_repo, "text")
    assert "     expected holds: depend on traffic (no expected pace for churn)\n" in text
    assert "minimum time to 100% everywhere: 10h plus holds that depend on traffic\n" in text


def test_a_first_step_past_max_duration_is_refused_with_the_arithmetic(git_repo: Path, run_cli: RunCli) -> None:
    spec = _write_policy(git_repo, [{**CHURN, "expected": 200}], {"maxDuration": "PT6H"})  # a small game
    code, out, _ = run_cli(["plan", "--repo", str(git_repo), "--format", "json"])
    (game,) = json.loads(out)["games"]
    p = policy_from_spec("battle-royale", spec)
    refusals = []  # validate's, the first shown: the arithmetic of the promoter's judge, per region's first step
    for region in p.regions:
        first = region.steps[0]
        need = requirement(check_spec(p.checks[0]), Expected(2 * first, 2 * (100 - first)), judge_settings_of(p), 1)
        allowed = p.judge.max_duration / region.interval
        refusals.append(
            f"{region.name}/{first}%: {need.describe()}, more than maxDuration allows ({allowed:g} intervals)"
        )
    assert code == 1 and game["stages"] == [] and game["problem"].startswith("RolloutPolicy is invalid: ")
    assert any(game["problem"].endswith(refusal) for refusal in refusals), game["problem"]


def test_a_step_past_max_duration_pauses() -> None:
    settings = Settings(confidence=0.99, power=0.9)
    paced = [Paced(SEED_CHECKS[0], 200)]
    first, second = step_intervals(paced, (10, 50), settings, 1, max_intervals=12)
    assert first.beyond_max and first.intervals is not None and first.intervals > 12
    assert not second.beyond_max and second.intervals == 1


def test_an_old_form_policy_plans_one_interval_a_step(git_repo: Path, run_cli: RunCli) -> None:
    old = {"name": "churn", "query": "sum(x)", "baseline": "sum(y)", "critical": {"relativeIncrease": 0.05}}
    _write_policy(git_repo, [old])
    game = _plan(run_cli, git_repo)
    assert [s["expectedIntervals"] for s in game["stages"]] == [[1, 1, 1, 1]] + [[1, 1]] * 4
    assert "expected holds" not in _plan(run_cli, git_repo, "text")


# --- the arithmetic, on plain values --------------------------------------------------------------


def test_a_step_sees_its_share_and_the_baseline_the_rest() -> None:
    churn, complaints = SEED_CHECKS[0], SEED_CHECKS[2]
    assert expected_at(churn, 2000, 10) == Expected(200, 1800)
    assert expected_at(churn, 2000, 100) is None  # no baseline cohort: a relative check does not judge
    # absolute: the candidate's exposure in the limit's units (events at the limit's rate / the limit)
    assert expected_at(complaints, 500, 100) == Expected(500 / 0.01)


def test_evidence_carries_from_step_to_step_of_a_region() -> None:
    paces = ((SEED_CHECKS[0], 200.0), (SEED_CHECKS[1], 50.0))  # a small game: 20 churn, 5 crashes at 10%
    paced = [Paced(spec, pace) for spec, pace in paces]
    settings = Settings(confidence=0.99, power=0.9)
    alone = step_intervals(paced, (10,), settings, 2)[0].intervals
    need = max(requirement(spec, Expected(pace * 0.1, pace * 0.9), settings, 2).intervals for spec, pace in paces)
    assert alone == math.ceil(need) and math.isclose(check_alpha(settings, 2), 0.005)
    carried = step_intervals(paced, (5, 10), settings, 2)
    assert carried[0].intervals is not None and carried[1].intervals is not None
    assert carried[1].intervals < alone  # what step 5 gathered counts at step 10


def test_a_relative_check_alone_cannot_hold_a_100_step_but_an_absolute_one_can() -> None:
    settings = Settings(confidence=0.99, power=0.9)
    (only,) = step_intervals([Paced(SEED_CHECKS[0], 2000)], (100,), settings, 1)
    assert only.intervals == 1  # judged by nothing: completes after its interval
    (absolute,) = step_intervals([Paced(SEED_CHECKS[2], 5)], (100,), settings, 1)
    need = requirement(SEED_CHECKS[2], Expected(5 / 0.01), settings, 1).intervals
    assert absolute.intervals == math.ceil(need) > 1


def test_the_bench_policy_is_planned_with_the_promoters_settings() -> None:
    for _, scale in SIZES:
        p = policy(scale)
        assert judge_settings_of(p) == Settings(confidence=1 - 0.01 / 3, power=0.99)
        na = holds(p).regions[0].steps[0]
        assert na.intervals == _promoter_needs(p, 10)


def _judge_passes_after(p: RolloutPolicy, check: Check, step: int) -> int:
    """Feed the promoter's judge (lookup(test).evaluate at the promoter's alpha) a good release's
    batches at exactly the check's `expected` pace; the interval at which its need is met."""
    spec, settings = check_spec(check), judge_settings_of(p)
    assert check.expected is not None
    alpha = check_alpha(settings, len(p.judged))
    expected = expected_at(spec, check.expected, step)
    assert expected is not None
    batch: Batch
    if spec.test == "rate":  # exposures in the cohorts' proportion, events at the same rate
        batch = RateBatch(expected.candidate, step, expected.baseline, 100 - step)
    elif spec.test == "absolute":  # exposure in player-hours, events at the limit's rate
        batch = AbsoluteBatch(expected.candidate * spec.guarded, expected.candidate)
    else:  # samples of mean 1 and standard deviation 1: the judge's default coefficient of variation
        batch = MeanBatch(*(MeanArm(n, 2 * n, n) for n in (expected.candidate, expected.baseline)))
    for looks in range(1, 1000):
        if lookup(spec.test).evaluate(spec, [batch] * looks, alpha, settings).need.met:
            return looks
    raise AssertionError(f"{check.name} never passes")


def test_the_judge_fed_at_the_expected_pace_passes_about_when_plan_says() -> None:
    """requirement() counts the events of a release within the tolerance, as evaluate() sees them on
    a good release: fed exactly the expected pace, the judge passes when plan says."""
    for _, scale in SIZES:
        p = policy(scale)
        planned = holds(p).regions[0].steps[0].intervals
        assert planned is not None
        judged = max(_judge_passes_after(p, check, 10) for check in p.judged)
        assert judged == planned


def test_the_readme_hold_table_is_what_the_arithmetic_gives() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("<!-- hold-times -->\n")[1].split("<!-- /hold-times -->")[0]
    assert table.strip().splitlines() == rows()
