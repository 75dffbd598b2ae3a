"""`absolute`: the candidate's own rate against a fixed limit (complaints above 1% of players).

The candidate's events in a batch are Poisson(lambda * exposure); the test is the mixture of the
Poisson likelihood ratios of lambda = limit * exp(sign*d) against the limit. The tolerances are the
limits themselves, in events per unit of exposure (e.g. complaints per player-hour: the promoter
passes exposure in player-hours, the limit's unit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from judge.mixture import GRID, Array, Prior, running_evidence
from judge.model import (
    ABSOLUTE_OPS,
    PLAYER_HOUR,
    AbsoluteBatch,
    CheckSpec,
    Evidence,
    Expected,
    Read,
    Requirement,
    Settings,
)
from judge.scale import scale_of
from judge.sequential import bounds, event_reads, make_need, needed, per_exposure


def log_lr(events: Array, exposure: Array, theta0: float, sign: int) -> Array:
    """Per-batch Poisson log likelihood ratios (..., J) of log rate theta0 + sign*d against theta0."""
    d = sign * GRID
    return events[..., None] * d - math.exp(theta0) * exposure[..., None] * np.expm1(d)


class AbsoluteTest:
    name = "absolute"
    relative = False  # the candidate alone, against limits: no baseline cohort is read
    ops = ABSOLUTE_OPS
    metrics: tuple[tuple[str, ...], ...] = (("events",),)
    exposure = True
    unit = "events"

    def reads(self, metrics: Mapping[str, str], exposure: str) -> tuple[Read, ...]:
        return event_reads(metrics, exposure)

    def batch(self, reads: Mapping[str, float]) -> AbsoluteBatch:
        """Exposure in player-hours, the limits' unit."""
        return AbsoluteBatch(reads.get("candidateEvents", 0.0), reads.get("candidateExposure", 0.0) / PLAYER_HOUR)

    def levels(self, counts: Mapping[str, float | None]) -> tuple[float | None, float | None]:
        """The candidate's rate as the judge saw it (per player-hour already); no baseline."""
        return per_exposure(counts, "candidate"), None

    def expected(self, spec: CheckSpec, pace: float, share: float) -> Expected | None:
        """The candidate's exposure in the limit's units: its events at the limit's rate over the limit."""
        return Expected(pace * share / spec.guarded)

    def evaluate(self, spec: CheckSpec, batches: Sequence[AbsoluteBatch], alpha: float, settings: Settings) -> Evidence:
        raw = np.array([(b.events, b.exposure) for b in batches], dtype=np.float64).reshape(-1, 2)
        events, exposure = raw[:, 0], np.maximum(raw[:, 1], 0.0)
        prior = Prior.of(settings.prior_scale)
        scale = scale_of(spec, settings)
        counts = (("candidate_events", float(events.sum())), ("candidate_exposure", float(exposure.sum())))
        rate_at_detect = math.exp(scale.detect)
        info = exposure * rate_at_detect
        used = info > 0
        need = make_need(
            float(info.sum()),
            needed(spec, settings, alpha),
            float(events.sum()),
            1.0,
            float(info[used][-1]) if used.any() else 0.0,
            spec.unit,
        )
        if not exposure.sum() > 0:
            return Evidence(spec.name, self.name, alpha, None, None, None, need, counts, "candidate")
        estimate = float(events.sum() / exposure.sum())
        center = math.log(estimate) if estimate > 0 else scale.guarded

        def evidence(theta0: float, sign: int) -> float:
            return float(running_evidence(log_lr(events, exposure, theta0, sign), prior))

        lower, upper = bounds(evidence, alpha, center)
        return Evidence(spec.name, self.name, alpha, estimate, scale.value(lower), scale.value(upper), need, counts)

    def requirement(self, spec: CheckSpec, expected: Expected, alpha: float, settings: Settings) -> Requirement:
        scale = scale_of(spec, settings)
        per_interval = expected.candidate * math.exp(scale.detect)
        need = needed(spec, settings, alpha)
        return Requirement(
            check=spec.name,
            needed_information=need,
            information_per_interval=per_interval,
            needed_events=need,
            events_per_interval=expected.candidate * math.exp(scale.guarded),
            unit=spec.unit,
            target=scale.target,
            alpha=alpha,
            power=settings.power,
        )
