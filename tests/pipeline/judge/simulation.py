"""Seeded draws for the judge's tests: many rollouts at once, Poisson counts and sampled means."""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

from judge import CheckSpec, Settings, check_alpha, rate
from judge.mean import MIN_SAMPLES, batch_statistics
from judge.mean import log_lr as mean_log_lr
from judge.vectorised import MeanPool, Tracker

Array = NDArray[np.float64]


def at_most(rate_: float, draws: int) -> int:
    """The most events a rate of `rate_` plausibly gives in `draws` trials (one in a thousand above)."""
    return int(binom.ppf(0.999, draws, rate_))


def at_least(rate_: float, draws: int) -> int:
    return int(binom.ppf(0.001, draws, rate_))


def ever(seen: list[NDArray[np.int64]], code: int) -> NDArray[np.bool_]:
    """Which rollouts had verdict `code` at any look."""
    return np.asarray(np.any([s == code for s in seen], axis=0), dtype=bool)


def rate_run(
    rng: np.random.Generator,
    spec: CheckSpec,
    settings: Settings,
    rho: float,
    shares: list[float],
    events: float,
    draws: int,
    checks: int = 1,
) -> list[NDArray[np.int64]]:
    """`draws` rollouts, one batch per share (the canary's share of exposure at that look), `events`
    baseline-rate events per interval across both cohorts; the verdicts after every look."""
    tracker = Tracker(spec, check_alpha(settings, checks), settings, draws)
    seen = []
    for share in shares:
        candidate = rng.poisson(events * share * rho, draws).astype(float)
        baseline = rng.poisson(events * (1 - share), draws).astype(float)
        total = candidate + baseline
        offset = np.full(draws, np.log(share / (1 - share)))
        tracker.add(partial(rate.log_lr, candidate, total, offset), rate.information(total, offset, tracker.detect))
        seen.append(tracker.verdicts())
    return seen


def mean_batches(
    rng: np.random.Generator, ratio: float, per_arm: tuple[int, int], draws: int
) -> tuple[Array, Array, Array, Array, Array, Array]:
    """Sum, sum of squares and count per arm of exponential samples (mean 600 s at baseline, skewed
    like session lengths): the candidate's mean is `ratio` times the baseline's."""
    arms = []
    for mean, n in ((600.0 * ratio, per_arm[0]), (600.0, per_arm[1])):
        samples = rng.exponential(mean, (draws, n))
        arms += [samples.sum(axis=1), (samples**2).sum(axis=1), np.full(draws, float(n))]
    return arms[0], arms[1], arms[2], arms[3], arms[4], arms[5]


def mean_run(
    rng: np.random.Generator,
    spec: CheckSpec,
    settings: Settings,
    ratio: float,
    per_arm: tuple[int, int],
    looks: int,
    draws: int,
) -> list[NDArray[np.int64]]:
    tracker = Tracker(spec, check_alpha(settings, 1), settings, draws)
    pool = MeanPool(draws, MIN_SAMPLES)
    seen = []
    for _ in range(looks):
        rows, ready = pool.add(*mean_batches(rng, ratio, per_arm, draws))
        r, v = batch_statistics(*rows)
        v = np.where(ready, v, np.inf)  # a replicate still pooling adds nothing
        tracker.add(partial(mean_log_lr, r, v), 1.0 / v)
        seen.append(tracker.verdicts())
    return seen
