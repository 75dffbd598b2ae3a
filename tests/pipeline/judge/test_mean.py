"""The mean test by seeded simulation, on skewed (exponential) samples like session lengths."""

from __future__ import annotations

import numpy as np

from judge import SEED_CHECKS, CheckSpec, Settings, check_alpha
from judge.vectorised import CRITICAL, PASS, WARNING
from tests.pipeline.judge.simulation import at_least, at_most, ever, mean_run

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
