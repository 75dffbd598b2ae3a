"""The absolute test (complaints above 1% of players) by seeded simulation."""

from __future__ import annotations

from functools import partial

import numpy as np

from judge import SEED_CHECKS, Settings, absolute, check_alpha
from judge.vectorised import CRITICAL, PASS, Tracker
from tests.pipeline.judge.simulation import at_least, at_most

COMPLAINTS = SEED_CHECKS[2]  # critical above 0.01 per player-interval
DRAWS = 4000


def run(rate: float, players: float, looks: int, settings: Settings) -> list[np.ndarray]:
    rng = np.random.default_rng(21)
    tracker = Tracker(COMPLAINTS, check_alpha(settings, 1), settings, DRAWS)
    exposure = np.full(DRAWS, players)  # player-intervals per look
    seen = []
    for _ in range(looks):
        events = rng.poisson(rate * players, DRAWS).astype(float)
        tracker.add(partial(absolute.log_lr, events, exposure), exposure * np.exp(tracker.detect))
        seen.append(tracker.verdicts())
    return seen


def test_at_the_limit_the_false_critical_rate_stays_within_alpha_over_20_looks() -> None:
    seen = run(0.01, 5000, 20, Settings(confidence=0.95))
    assert int(np.any([s == CRITICAL for s in seen], axis=0).sum()) <= at_most(0.05, DRAWS)


def test_far_below_the_limit_passes_and_twice_the_limit_is_critical() -> None:
    settings = Settings()
    assert int((run(0.003, 5000, 3, settings)[-1] == PASS).sum()) >= at_least(0.99, DRAWS)
    assert int((run(0.02, 5000, 3, settings)[-1] == CRITICAL).sum()) >= at_least(0.99, DRAWS)
