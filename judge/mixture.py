"""The mixture martingale every test shares: a prior on the effect, Ville's bound, the power arithmetic.

A test contributes, per batch, the log likelihood ratio of "the parameter is theta0 + d" against
"it is theta0" for each alternative d on a fixed grid (one-sided: every d points the same way).
Summed over batches and mixed over the prior, the likelihood ratio is a nonnegative supermartingale
whenever the truth is on the null side of theta0 (the families used here have monotone likelihood
ratios), so by Ville's inequality it ever reaches 1/alpha with probability at most alpha, however
often it is looked at. The grid is discrete, so the mixture is exact, not an approximation.

Everything here is vectorised over leading axes: the tests and the bench run thousands of
rollouts at once through the same functions the promoter uses for one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Alternatives |d| on the log scale: from +0.5% to a factor of 20, denser where the tolerances are.
GRID: Array = np.geomspace(0.005, 3.0, 48)


@dataclass(frozen=True)
class Prior:
    """Half-normal weights on GRID, summing to one: how the evidence is spread over effect sizes."""

    scale: float
    log_weights: Array

    @staticmethod
    @lru_cache(maxsize=16)
    def of(scale: float) -> Prior:
        edges = np.concatenate(([0.0], np.sqrt(GRID[1:] * GRID[:-1]), [GRID[-1] * 1.5]))
        widths = np.diff(edges)
        density = np.exp(-0.5 * (GRID / scale) ** 2) * widths
        return Prior(scale, np.log(density / density.sum()))


def log_mixture(cumulative_log_lr: Array, prior: Prior) -> Array:
    """log of sum_j w_j exp(L_j): the mixture over the last axis (the grid), stable for large L."""
    z = cumulative_log_lr + prior.log_weights
    top = z.max(axis=-1)
    return np.asarray(top + np.log(np.exp(z - top[..., None]).sum(axis=-1)), dtype=np.float64)


def running_evidence(log_lr: Array, prior: Prior) -> Array:
    """Per-batch log-LR (..., K, J) -> the largest log mixture over the first 1..K batches (...).

    Taking the largest over the looks is what Ville's inequality allows: once the evidence has
    crossed the line it stays crossed, so a verdict cannot flip back because a later batch was kind.
    """
    if log_lr.shape[-2] == 0:
        return np.zeros(log_lr.shape[:-2])
    return np.asarray(log_mixture(np.cumsum(log_lr, axis=-2), prior).max(axis=-1), dtype=np.float64)


def rejects(evidence: Array | float, alpha: float) -> NDArray[np.bool_]:
    return np.asarray(evidence) >= math.log(1.0 / alpha)


def bisect_bound(rejected: Callable[[float], bool], low: float, high: float, iterations: int = 40) -> float:
    """The edge between theta0 values a monotone test rejects (below) and keeps (above).

    `rejected(theta0) -> bool` must be True at `low`-side values and False at `high`-side ones; the
    caller flips signs for the other side. Returns `low` when nothing is rejected.
    """
    if not rejected(low):
        return low
    if rejected(high):
        return high
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        if rejected(middle):
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


@lru_cache(maxsize=256)
def needed_information(gap: float, alpha: float, power: float, scale: float) -> float:
    """Fisher information (on the log scale) at which a true effect `gap` beyond the null is
    rejected with probability `power` by the mixture test at level `alpha`.

    Normal approximation of the score: after information I the log-LR of alternative d is
    d*S - d^2*I/2 with S ~ N(gap*I, I). For each I the rejection boundary s*(I) solves
    log sum_j w_j exp(d_j s - d_j^2 I/2) = log(1/alpha); power(I) = Phi((gap*I - s*)/sqrt(I)).
    Looking more often only adds power (the running maximum), so this is slightly conservative.
    """
    if gap <= 0:
        return math.inf
    prior = Prior.of(scale)
    infos = np.geomspace(1e-2, 1e8, 1200)
    target = math.log(1.0 / alpha)
    low = np.zeros_like(infos)
    high = np.full_like(infos, 1.0)
    # grow the bracket until every boundary is inside
    while True:
        value = log_mixture(GRID * high[:, None] - 0.5 * GRID**2 * infos[:, None], prior)
        if bool((value >= target).all()):
            break
        high = np.where(value >= target, high, high * 4.0)
    for _ in range(60):
        middle = 0.5 * (low + high)
        value = log_mixture(GRID * middle[:, None] - 0.5 * GRID**2 * infos[:, None], prior)
        low = np.where(value >= target, low, middle)
        high = np.where(value >= target, middle, high)
    z = (gap * infos - high) / np.sqrt(infos)
    reached = z >= NormalDist().inv_cdf(power)
    if not reached.any():
        return math.inf
    first = int(np.argmax(reached))
    if first == 0:
        return float(infos[0])
    # interpolate z linearly in log I between the two neighbours
    z_goal = NormalDist().inv_cdf(power)
    a, b = math.log(infos[first - 1]), math.log(infos[first])
    za, zb = float(z[first - 1]), float(z[first])
    return math.exp(a + (b - a) * (z_goal - za) / (zb - za))
