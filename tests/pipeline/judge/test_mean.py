"""The mean test by seeded simulation, on skewed (exponential) samples like session lengths."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from judge import (
    SEED_CHECKS,
    CheckSpec,
    Expected,
    MeanArm,
    MeanBatch,
    Settings,
    check_alpha,
    judge,
    lookup,
    requirement,
)
from judge.mean import MIN_SAMPLES, batch_statistics, log_lr
from judge.vectorised import CODES, CRITICAL, PASS, WARNING, MeanPool, Tracker
from tests.pipeline.judge.simulation import at_least, at_most, ever, mean_batches, mean_run

HEALTH = SEED_CHECKS[3]  # critical at -20%
SESSION = SEED_CHECKS[4]  # warning at -10%
DRAWS = 2000


def test_at_the_warning_tolerance_the_false_warning_rate_stays_within_alpha_over_20_looks() -> None:
    settings = Settings(confidence=0.95)
    # small batches are pooled until each arm has enough samples for the variance estimate
    for per_arm in ((10, 90), (60, 540)):
        seen = mean_run(np.random.default_rng(11), SESSION, settings, 0.9, per_arm, 20, DRAWS)
        assert int(ever(seen, WARNING).sum()) <= at_most(0.05, DRAWS), per_arm


def test_an_unchanged_mean_raises_nothing_and_passes_once_the_exposure_suffices() -> None:
    settings = Settings()
    seen = mean_run(np.random.default_rng(12), SESSION, settings, 1.0, (200, 1800), 20, DRAWS)
    assert int(ever(seen, WARNING).sum()) <= at_most(check_alpha(settings, 1), DRAWS)
    assert int((seen[-1] == PASS).sum()) >= at_least(0.99, DRAWS)


def test_a_large_drop_in_health_is_critical_and_a_drop_in_sessions_a_warning() -> None:
    settings = Settings()
    health = CheckSpec("server-health", "mean", "down", critical=0.20, detect=0.35)
    seen = mean_run(np.random.default_rng(13), health, settings, 0.6, (100, 900), 10, DRAWS)
    assert int(ever(seen, CRITICAL).sum()) >= at_least(0.99, DRAWS)
    seen = mean_run(np.random.default_rng(14), SESSION, settings, 0.7, (200, 1800), 10, DRAWS)
    assert int(ever(seen, WARNING).sum()) >= at_least(0.99, DRAWS)


def test_a_mean_still_collecting_samples_holds_and_a_silent_side_is_no_data() -> None:
    from judge import MeanArm, MeanBatch, evaluate_all
    from judge.mean import MIN_SAMPLES

    health = next(c for c in SEED_CHECKS if c.test == "mean")
    four_servers = MeanArm(total=4 * 0.95, squares=4 * 0.95**2 + 0.003, count=4)
    few = [MeanBatch(four_servers, four_servers)] * (MIN_SAMPLES // 4 - 1)  # both sides, under 50 samples
    (judged,) = evaluate_all([health], [few], Settings())
    assert judged.verdict == "hold" and "collecting samples" in judged.reason
    silent = [MeanBatch(four_servers, MeanArm(0.0, 0.0, 0.0))] * 3
    (judged,) = evaluate_all([health], [silent], Settings())
    assert judged.verdict == "inconclusive" and "baseline" in judged.reason


@pytest.mark.slow
def test_the_hold_of_a_good_release_is_what_requirement_predicts() -> None:
    """plan's prediction against the judge's real stopping, as for the rate test, on exponential
    samples (coefficient of variation 1) at a 10% canary: session length (warning at -10%, 13.8
    intervals predicted) and server health (critical at -20%, 8.5).

    `requirement` predicts the pass on exposure. A mean test's tolerance sits close to its detect
    effect, so a release whose mean is unchanged often passes sooner, by ruling the tolerance out:
    for it the prediction is an upper bound, met by the next interval. A release halfway to the
    tolerance cannot rule it out first; its median pass is the predicted interval, give or take
    one interval or 5%."""
    settings = Settings()
    draws = 400
    for spec, per_arm, halfway in ((SESSION, (200, 1800), 0.95), (HEALTH, (100, 900), 0.9)):
        predicted = requirement(spec, Expected(*per_arm, cv=1.0), settings, 1).intervals
        looks = int(predicted * 1.5) + 2
        for ratio in (1.0, halfway):
            seen = np.array(mean_run(np.random.default_rng(15), spec, settings, ratio, per_arm, looks, draws))
            passed = seen == PASS
            assert passed[-1].all(), (spec.name, ratio)
            held = np.argmax(passed, axis=0) + 1  # the look at which each rollout first passes
            if ratio == 1.0:
                on_time = int((held <= math.ceil(predicted) + 1).sum())
                assert on_time >= at_least(0.99, draws), (spec.name, on_time, predicted)
            else:
                median = float(np.median(held))
                assert abs(median - math.ceil(predicted)) <= max(1.0, 0.05 * predicted), (spec.name, median, predicted)


@pytest.mark.slow
def test_the_array_rule_agrees_with_the_judge_on_the_same_draws() -> None:
    """The vectorised tracker the simulations use (with its own pooling) and the one-rollout judge
    `evaluate` runs give the same verdict after every look, pooled small batches included."""
    rng = np.random.default_rng(16)
    draws, settings = 20, Settings()
    alpha = check_alpha(settings, 1)
    for spec, ratio, per_arm in ((SESSION, 0.8, (60, 540)), (HEALTH, 0.7, (100, 900)), (HEALTH, 0.9, (20, 180))):
        tracker = Tracker(spec, alpha, settings, draws)
        pool = MeanPool(draws, MIN_SAMPLES)
        history: list[list[MeanBatch]] = [[] for _ in range(draws)]
        for _ in range(6):
            arms = mean_batches(rng, ratio, per_arm, draws)
            rows, ready = pool.add(*arms)
            r, v = batch_statistics(*rows)
            tracker.add(partial(log_lr, r, np.where(ready, v, np.inf)), np.where(ready, 1.0 / v, 0.0))
            for i, h in enumerate(history):
                tc, sc, nc, tb, sb, nb = (float(a[i]) for a in arms)
                h.append(MeanBatch(MeanArm(tc, sc, nc), MeanArm(tb, sb, nb)))
            expected = [judge(spec, lookup("mean").evaluate(spec, h, alpha, settings)).verdict for h in history]
            assert [CODES[v] for v in tracker.verdicts()] == expected, (spec.name, ratio, per_arm)
