"""`rate`: candidate against baseline as a Poisson rate ratio rho (churn, crashes, complaints).

Given a batch's total events N_k, the candidate's share is Binomial(N_k, p_k) with
logit p_k = log rho + log(ec_k / eb_k): the exposures enter as a known offset, so the canary's
share may change from step to step (10%, 30%, 50%) and the evidence still adds up, and whatever
moves both cohorts alike (time of day, a weekend) cancels. The product of the batches' binomial
likelihood ratios, mixed over the prior, is the test; rho itself is estimated by Mantel-Haenszel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from judge.mixture import GRID, Array, Prior, running_evidence
from judge.model import (
    PLAYER_HOUR,
    RELATIVE_OPS,
    CheckSpec,
    Evidence,
    Expected,
    RateBatch,
    Read,
    Requirement,
    Settings,
)
from judge.scale import scale_of
from judge.sequential import (
    bounds,
    event_reads,
    make_need,
    needed,
    per_exposure,
    relative_expected,
    requirement,
)


def log_lr(events: Array, total: Array, offset: Array, theta0: float, sign: int) -> Array:
    """Per-batch log likelihood ratios (..., J) of rho = exp(theta0 + sign*d) against exp(theta0).

    `events`: the candidate's events; `total`: both cohorts' events; `offset`: log(ec/eb). A batch
    without exposure on either side has total 0 and contributes nothing.
    """
    d = sign * GRID
    eta = theta0 + offset[..., None]
    step = np.logaddexp(0.0, eta + d) - np.logaddexp(0.0, eta)
    return np.asarray(events[..., None] * d - total[..., None] * step, dtype=np.float64)


def information(total: Array, offset: Array, theta: float) -> Array:
    """Fisher information about log rho in each batch when log rho = theta: N p (1 - p)."""
    p = 1.0 / (1.0 + np.exp(-(theta + offset)))
    return total * p * (1.0 - p)


def _arrays(batches: Sequence[RateBatch]) -> tuple[Array, Array, Array, Array, Array]:
    raw = np.array(
        [(b.candidate_events, b.candidate_exposure, b.baseline_events, b.baseline_exposure) for b in batches],
        dtype=np.float64,
    ).reshape(-1, 4)
    c, ec, b, eb = raw.T
    valid = (ec > 0) & (eb > 0)
    c, b = np.where(valid, c, 0.0), np.where(valid, b, 0.0)
    offset = np.where(valid, np.log(np.where(valid, ec, 1.0) / np.where(valid, eb, 1.0)), 0.0)
    return c, b, ec, eb, offset


class RateTest:
    name = "rate"
    relative = True  # against the baseline cohort
    ops = RELATIVE_OPS
    metrics: tuple[tuple[str, ...], ...] = (("events",),)
    exposure = True
    unit = "events"

    def reads(self, metrics: Mapping[str, str], exposure: str) -> tuple[Read, ...]:
        return event_reads(metrics, exposure)

    def batch(self, reads: Mapping[str, float]) -> RateBatch:
        keys = ("candidateEvents", "candidateExposure", "baselineEvents", "baselineExposure")
        return RateBatch(*(reads.get(key, 0.0) for key in keys))

    def levels(self, counts: Mapping[str, float | None]) -> tuple[float | None, float | None]:
        """Each cohort's events per player-hour."""
        return per_exposure(counts, "candidate", PLAYER_HOUR), per_exposure(counts, "baseline", PLAYER_HOUR)

    def expected(self, spec: CheckSpec, pace: float, share: float) -> Expected | None:
        return relative_expected(pace, share)

    def evaluate(self, spec: CheckSpec, batches: Sequence[RateBatch], alpha: float, settings: Settings) -> Evidence:
        c, b, ec, eb, offset = _arrays(batches)
        total = c + b
        prior = Prior.of(settings.prior_scale)
        scale = scale_of(spec, settings)
        counts = (
            ("candidate_events", float(c.sum())),
            ("candidate_exposure", float(ec.sum())),
            ("baseline_events", float(b.sum())),
            ("baseline_exposure", float(eb.sum())),
        )
        info = information(total, offset, scale.detect)
        has_info = info[info > 0]
        # the candidate's events per unit of information at the last batch's shares, counted at the
        # baseline's rate (as `requirement` counts them): what a release within the tolerance needs
        share = 1.0 / (1.0 + np.exp(-(scale.detect + offset)))
        null_share = 1.0 / (1.0 + np.exp(-offset))
        per_info = null_share / np.maximum(1e-9, share * (1.0 - share))
        need = make_need(
            float(info.sum()),
            needed(spec, settings, alpha),
            float(c.sum()),
            float(per_info[info > 0][-1]) if has_info.size else 1.0,
            float(has_info[-1]) if has_info.size else 0.0,
            spec.unit,
        )
        if not (ec.sum() > 0 and eb.sum() > 0 and ((ec > 0) & (eb > 0)).any()):
            missing = "candidate" if not ec.sum() > 0 else "baseline"
            return Evidence(spec.name, self.name, alpha, None, None, None, need, counts, missing)
        both = np.where(ec + eb > 0, ec + eb, 1.0)
        numerator = float((c * eb / both).sum())
        denominator = float((b * ec / both).sum())
        center = math.log(numerator / denominator) if numerator > 0 and denominator > 0 else scale.guarded
        # no baseline events yet: a candidate event is an unbounded increase, none is no estimate
        unbounded = math.inf if numerator > 0 else math.nan
        estimate = numerator / denominator - 1.0 if denominator > 0 else unbounded

        def evidence(theta0: float, sign: int) -> float:
            return float(running_evidence(log_lr(c, total, offset, theta0, sign), prior))

        lower, upper = bounds(evidence, alpha, center)
        return Evidence(spec.name, self.name, alpha, estimate, scale.value(lower), scale.value(upper), need, counts)

    def requirement(self, spec: CheckSpec, expected: Expected, alpha: float, settings: Settings) -> Requirement:
        # `evaluate` counts information as the events both cohorts had times p(1 - p), with p the
        # candidate's share at the detect effect. A step that passes on exposure has a release
        # within the tolerance, whose cohorts see the expected (baseline-rate) events, not the
        # events of a regression: counting the regression's extra events predicted the hold short
        # (+40% crashes: ~4% at a 10% canary, ~26% at a 90% step against its 10% holdback).
        scale = scale_of(spec, settings)
        rho = math.exp(scale.detect)
        total = expected.candidate + expected.baseline
        at_detect = expected.candidate * rho + expected.baseline
        share = expected.candidate * rho / at_detect if at_detect > 0 else 0.0
        per_interval = total * share * (1.0 - share)
        return requirement(spec, expected, alpha, settings, per_interval)
