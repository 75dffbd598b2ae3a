"""Verdicts from bounds, with plain values; the array rule agrees with the one-rollout judge."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from judge import (
    SEED_CHECKS,
    AbsoluteBatch,
    CheckSpec,
    Evidence,
    Expected,
    MeanArm,
    MeanBatch,
    Need,
    RateBatch,
    Settings,
    absolute,
    check_alpha,
    evaluate_all,
    judge,
    lookup,
    rate,
    requirement,
    unreachable,
    worst,
)
from judge.vectorised import CODES, Tracker

CHURN, CRASHES, COMPLAINTS, HEALTH, SESSION, _ = SEED_CHECKS
SETTINGS = Settings()


def evidence(estimate: float, lower: float, upper: float, met: bool = False) -> Evidence:
    need = Need(100.0, 50.0 if met else 200.0, 212.0, 430.0, 1.1, "churn events")
    return Evidence("c", "rate", 0.001, estimate, lower, upper, need, ())


@pytest.mark.parametrize(
    ("lower", "upper", "met", "verdict"),
    [
        (0.06, 0.40, False, "critical"),  # lower bound beyond +5%
        (0.03, 0.04, False, "warning"),  # beyond +2%, +5% ruled out
        (0.03, 0.40, True, "hold"),  # beyond +2%, may still be critical: gather more
        (-0.05, 0.015, False, "pass"),  # rules out +2%
        (-0.05, 0.10, True, "pass"),  # enough exposure for the detect effect
        (-0.05, 0.10, False, "hold"),
    ],
)
def test_verdict_of_an_upward_check(lower: float, upper: float, met: bool, verdict: str) -> None:
    assert judge(CHURN, evidence(0.01, lower, upper, met)).verdict == verdict


def test_a_downward_check_is_judged_by_its_upper_bound() -> None:
    assert judge(HEALTH, evidence(-0.3, -0.4, -0.21)).verdict == "critical"
    assert judge(HEALTH, evidence(-0.3, -0.4, -0.19)).verdict == "hold"
    assert judge(SESSION, evidence(-0.2, -0.3, -0.11)).verdict == "warning"
    assert judge(SESSION, evidence(0.0, -0.09, 0.1)).verdict == "pass"


def test_hold_says_what_it_needs_and_no_data_is_inconclusive() -> None:
    judgement = judge(CHURN, evidence(0.01, -0.05, 0.10))
    assert judgement.reason == "churn +1.0% [-5.0%, +10.0%]: needs ~430 churn events, has 212, ~1.1 intervals to go"
    quiet = lookup("rate").evaluate(CHURN, [RateBatch(0, 10.0, 0, 90.0)], 0.01, SETTINGS)
    assert judge(CHURN, quiet).verdict == "hold"
    assert judge(CHURN, quiet).reason.startswith("churn n/a [-100.0%, +inf]: needs ~")
    empty = lookup("rate").evaluate(CHURN, [RateBatch(3, 10.0, 0, 0.0)], 0.01, SETTINGS)
    assert judge(CHURN, empty).verdict == "inconclusive"
    assert judge(CHURN, empty).reason == "no data for the baseline"


def test_evaluate_all_splits_alpha_and_reports_counts_and_bounds() -> None:
    rate_batches = [RateBatch(260, 100.0, 1800, 900.0)] * 4
    mean_batches = [MeanBatch(MeanArm(60_000.0, 60_000.0 * 1200, 100), MeanArm(540_000.0, 540_000.0 * 1200, 900))]
    judgements = evaluate_all(
        (CHURN, COMPLAINTS, SESSION), (rate_batches, [AbsoluteBatch(10, 1000.0)], mean_batches), SETTINGS
    )
    assert [j.verdict for j in judgements] == ["critical", "hold", "hold"]
    assert worst(judgements) == "critical"
    churn = judgements[0].evidence
    assert churn.alpha == pytest.approx(0.01 / 3)
    assert dict(churn.counts) == {
        "candidate_events": 1040,
        "candidate_exposure": 400,
        "baseline_events": 7200,
        "baseline_exposure": 3600,
    }
    assert churn.estimate == pytest.approx(0.3)
    assert churn.lower is not None and churn.upper is not None
    assert 0.05 < churn.lower < 0.3 < churn.upper


def test_the_array_rule_agrees_with_the_judge_on_the_same_draws() -> None:
    rng = np.random.default_rng(31)
    draws, alpha = 40, check_alpha(SETTINGS, 6)
    for spec, rho in ((CHURN, 1.0), (CHURN, 1.12), (CHURN, 1.3), (CRASHES, 1.4)):
        tracker = Tracker(spec, alpha, SETTINGS, draws)
        history: list[list[RateBatch]] = [[] for _ in range(draws)]
        for share in (0.1, 0.1, 0.3, 0.3, 0.5):
            c = rng.poisson(2000 * share * rho, draws).astype(float)
            b = rng.poisson(2000 * (1 - share), draws).astype(float)
            offset = np.full(draws, math.log(share / (1 - share)))
            tracker.add(partial(rate.log_lr, c, c + b, offset), rate.information(c + b, offset, tracker.detect))
            for i in range(draws):
                history[i].append(RateBatch(c[i], share, b[i], 1 - share))
            expected = [judge(spec, lookup("rate").evaluate(spec, h, alpha, SETTINGS)).verdict for h in history]
            assert [CODES[v] for v in tracker.verdicts()] == expected
    tracker = Tracker(COMPLAINTS, alpha, SETTINGS, draws)
    events = rng.poisson(0.013 * 4000, draws).astype(float)
    exposure = np.full(draws, 4000.0)
    tracker.add(partial(absolute.log_lr, events, exposure), exposure * math.exp(tracker.detect))
    expected = [
        judge(COMPLAINTS, lookup("absolute").evaluate(COMPLAINTS, [AbsoluteBatch(e, 4000.0)], alpha, SETTINGS)).verdict
        for e in events
    ]
    assert [CODES[v] for v in tracker.verdicts()] == expected


def test_requirement_gives_the_hold_time_and_validate_refuses_an_unreachable_detect_effect() -> None:
    mid = requirement(CHURN, Expected(200, 1800), SETTINGS, 6)
    assert 6 < mid.intervals < 6.2
    assert unreachable(mid, 48) is None
    small = requirement(CRASHES, Expected(5, 45), SETTINGS, 6)
    message = unreachable(small, 48, "NA-WEST/10")
    assert message == (
        "NA-WEST/10: crash-rate: catching +40% against the +10% tolerance with power 0.99 at alpha 0.0017"
        " needs information 669 (~574 crashes); at 5 crashes per interval (information 5.825) that is"
        " 114.8 intervals, more than maxDuration allows (48 intervals)"
    )


def test_bad_settings_and_checks_are_refused() -> None:
    with pytest.raises(ValueError, match=r"detect 0\.05 must lie beyond its tolerance 0\.1"):
        requirement(CheckSpec("crashes", "rate", "up", critical=0.10, detect=0.05), Expected(1, 1), SETTINGS, 1)
    with pytest.raises(ValueError, match="needs a critical or a warning tolerance"):
        CheckSpec("x", "rate", "up")
    with pytest.raises(ValueError, match="confidence"):
        Settings(confidence=1.5)
    with pytest.raises(ValueError, match="unknown test 'ttest'; known: absolute, mean, rate"):
        lookup("ttest")
