"""`mean`: candidate against baseline as a ratio of means (session length, engagement, health).

Each batch gives the log ratio of the two arms' means, r_k, with variance
v_k = s_c^2/(n_c m_c^2) + s_b^2/(n_b m_b^2) (delta method, the variances estimated from the batch's
sums of squares). Treating r_k as Normal(theta, v_k), the product of the batches' Gaussian likelihood
ratios mixed over the prior is the test (Robbins' normal mixture). Assumptions, checked by
simulation in the suite: batches large enough for the central limit theorem (tens of samples per
arm: batches are pooled, in order, until each arm has MIN_SAMPLES; a non-positive mean is skipped),
samples independent within a batch. Working on the ratio keeps it scale-free and lets both cohorts drift
together (a quiet night shortens every session).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from judge.mixture import GRID, Array, Prior, running_evidence
from judge.model import (
    RELATIVE_OPS,
    CheckSpec,
    Evidence,
    Expected,
    MeanArm,
    MeanBatch,
    Read,
    Requirement,
    Settings,
)
from judge.scale import scale_of
from judge.sequential import bounds, make_need, needed, relative_expected, requirement

_MIN_VARIANCE = 1e-12  # a batch of identical samples still carries finite information
# Fewer samples than this in an arm and the batch waits for the next one (pooled): below it the
# estimated variance of skewed samples is too often small, and the test too bold (see the suite).
MIN_SAMPLES = 50


def log_lr(ratio: Array, variance: Array, theta0: float, sign: int) -> Array:
    """Per-batch Gaussian log likelihood ratios (..., J) of theta0 + sign*d against theta0.

    A skipped batch has infinite variance and contributes nothing.
    """
    d = sign * GRID
    precision = 1.0 / variance[..., None]
    return d * (ratio[..., None] - theta0) * precision - 0.5 * d**2 * precision


def batch_statistics(
    total_c: Array, squares_c: Array, count_c: Array, total_b: Array, squares_b: Array, count_b: Array
) -> tuple[Array, Array]:
    """Per batch: the log ratio of means and its variance (inf where the batch cannot be used)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_c, mean_b = total_c / count_c, total_b / count_b
        var_c = (squares_c - total_c**2 / count_c) / (count_c - 1)
        var_b = (squares_b - total_b**2 / count_b) / (count_b - 1)
        valid = (count_c >= 2) & (count_b >= 2) & (mean_c > 0) & (mean_b > 0)
        ratio = np.where(valid, np.log(np.where(valid, mean_c / np.where(valid, mean_b, 1.0), 1.0)), 0.0)
        variance = np.maximum(var_c, 0.0) / (count_c * mean_c**2) + np.maximum(var_b, 0.0) / (count_b * mean_b**2)
    variance = np.where(valid, np.maximum(variance, _MIN_VARIANCE), np.inf)
    return ratio, variance


def _arm(arm: MeanArm) -> tuple[float, float, float]:
    return arm.total, arm.squares, arm.count


def pooled(raw: Array, minimum: float = MIN_SAMPLES) -> Array:
    """Batches (K, 6) merged in order until both counts reach `minimum`; a short tail waits."""
    groups: list[Array] = []
    pending = np.zeros(6)
    for row in raw:
        pending = pending + row
        if pending[2] >= minimum and pending[5] >= minimum:
            groups.append(pending)
            pending = np.zeros(6)
    return np.array(groups, dtype=np.float64).reshape(-1, 6)


_ARM = ("Sum", "Squares", "Count")


class MeanTest:
    name = "mean"
    relative = True  # against the baseline cohort
    ops = RELATIVE_OPS
    # counters of the samples' sum, sum of squares and count, or a gauge sampled across the servers
    metrics: tuple[tuple[str, ...], ...] = (("sum", "count", "squares"), ("gauge",))
    exposure = False
    unit = "samples"

    def reads(self, metrics: Mapping[str, str], exposure: str) -> tuple[Read, ...]:
        gauge = metrics.get("gauge")
        if gauge is not None:
            return (Read("Sum", gauge, "sum"), Read("Squares", gauge, "squares"), Read("Count", gauge, "count"))
        return tuple(Read(key, metrics.get(key.lower(), ""), "increase") for key in _ARM)

    def batch(self, reads: Mapping[str, float]) -> MeanBatch:
        arms = [MeanArm(*(reads.get(f"{side}{key}", 0.0) for key in _ARM)) for side in ("candidate", "baseline")]
        return MeanBatch(*arms)

    def levels(self, counts: Mapping[str, float | None]) -> tuple[float | None, float | None]:
        """Each cohort's mean."""
        return counts.get("candidateMean"), counts.get("baselineMean")

    def expected(self, spec: CheckSpec, pace: float, share: float) -> Expected | None:
        return relative_expected(pace, share)

    def evaluate(self, spec: CheckSpec, batches: Sequence[MeanBatch], alpha: float, settings: Settings) -> Evidence:
        raw = np.array(
            [(*_arm(b.candidate), *_arm(b.baseline)) for b in batches],
            dtype=np.float64,
        ).reshape(-1, 6)
        reported_c, reported_b = float(raw[:, 2].sum()), float(raw[:, 5].sum())  # before pooling
        raw = pooled(raw)
        ratio, variance = batch_statistics(*raw.T)
        precision = 1.0 / variance
        prior = Prior.of(settings.prior_scale)
        scale = scale_of(spec, settings)
        count_c, count_b = raw[:, 2], raw[:, 5]
        counts = (
            ("candidate_mean", float(raw[:, 0].sum() / count_c.sum()) if count_c.sum() > 0 else math.nan),
            ("candidate_count", float(count_c.sum())),
            ("baseline_mean", float(raw[:, 3].sum() / count_b.sum()) if count_b.sum() > 0 else math.nan),
            ("baseline_count", float(count_b.sum())),
        )
        information = float(precision.sum())
        used = precision > 0
        need = make_need(
            information,
            needed(spec, settings, alpha),
            float(count_c[used].sum()),
            float(count_c[used].sum()) / information if information > 0 else 0.0,
            float(precision[used][-1]) if used.any() else 0.0,
            spec.unit,
        )
        if not used.any():
            # Both sides report but too few samples are pooled yet (a few servers per cohort): still
            # collecting, which holds the step (missing ""), unlike a side with no data at all.
            collecting = reported_c >= 2 and reported_b >= 2
            missing = "" if collecting else ("candidate" if reported_c < 2 else "baseline")
            return Evidence(spec.name, self.name, alpha, None, None, None, need, counts, missing)
        center = float((ratio * precision).sum() / information)

        def evidence(theta0: float, sign: int) -> float:
            return float(running_evidence(log_lr(ratio, variance, theta0, sign), prior))

        lower, upper = bounds(evidence, alpha, center)
        return Evidence(
            spec.name, self.name, alpha, math.expm1(center), scale.value(lower), scale.value(upper), need, counts
        )

    def requirement(self, spec: CheckSpec, expected: Expected, alpha: float, settings: Settings) -> Requirement:
        if expected.candidate > 0 and expected.baseline > 0:
            per_interval = 1.0 / (expected.cv**2 / expected.candidate + expected.cv**2 / expected.baseline)
        else:
            per_interval = 0.0
        return requirement(spec, expected, alpha, settings, per_interval)
