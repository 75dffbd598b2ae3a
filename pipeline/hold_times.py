"""How long each step of a rollout is expected to hold, for `hotswap plan` (pure).

A judged check (the policy's new form: a `test`) passes a step once it has gathered the information
to catch its detect effect (`judge.requirement`); until then the step holds, one interval
at a time. The arithmetic uses what the promoter uses (promoter/evaluate.py): the check as
`check_spec` describes it, the region's settings from `judge_settings_of` (the policy's alpha split
over its regions) and the split over every judged check, so the hold the plan predicts at a pace is
the hold the promoter's judge needs at that pace.

The pace is a check's `expected`: events (mean: samples; absolute: events at the limit's rate) per
interval across all of a region's servers; a step's candidate cohort sees its share, the baseline
(the rings above the step) the rest. A mean check's spread is the judge's default coefficient of
variation (`Expected.cv`, 1: right for session lengths, pessimistic for a gauge such as health),
since the policy does not state one. Without `expected` the holds "depend on traffic".

Evidence carries across the steps of a region, so a region's first step holds longest and later
steps usually pass after one interval; a region's 100% step has no baseline cohort, so there only
absolute checks judge. Old-form checks are judged after one interval, as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from judge import CheckSpec, Expected, Settings, lookup, requirement
from pipeline.policy import RolloutPolicy, check_spec, judge_settings_of

_EPSILON = 1e-9  # information that meets the need up to rounding meets it


@dataclass(frozen=True)
class Paced:
    """A judged check and its `expected` pace per interval in a whole region (None: unknown)."""

    spec: CheckSpec
    pace: float | None


@dataclass(frozen=True)
class StepHold:
    step: int
    intervals: int | None  # None: depends on traffic, or cannot pass on exposure (beyond_max)
    beyond_max: bool = False  # holds past maxDuration: the step would pause as inconclusive


@dataclass(frozen=True)
class RegionHolds:
    region: str
    interval: timedelta
    steps: tuple[StepHold, ...]

    @property
    def intervals(self) -> int | None:
        values = [s.intervals for s in self.steps]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)


@dataclass(frozen=True)
class Holds:
    judged: bool  # the policy has judged checks (else every step waits one interval, as before)
    regions: tuple[RegionHolds, ...]
    unpaced: tuple[str, ...]  # judged checks without an expected pace

    @property
    def pauses(self) -> tuple[str, ...]:
        """The steps expected to hold past maxDuration (they would pause as inconclusive)."""
        return tuple(f"{r.region}/{s.step}%" for r in self.regions for s in r.steps if s.beyond_max)

    @property
    def duration(self) -> timedelta | None:
        """The minimum time to 100% everywhere, holds included; None when a hold is unknown or a
        step is expected to pause."""
        if self.pauses:
            return None
        total = timedelta(0)
        for region in self.regions:
            if region.intervals is None:
                return None
            total += region.interval * region.intervals
        return total


def expected_at(spec: CheckSpec, pace: float, step: int) -> Expected | None:
    """What a check sees per interval at a step, as the judge's `Expected`: the candidate has `step`%
    of the region; its kind says what that is (a relative kind: the baseline has the rest, and at
    100% there is no baseline cohort: None, the check does not judge there)."""
    return lookup(spec.test).expected(spec, pace, step / 100)


def paced_checks(policy: RolloutPolicy) -> tuple[Paced, ...]:
    return tuple(Paced(check_spec(c), c.expected) for c in policy.judged)


def step_intervals(
    checks: Sequence[Paced], steps: Sequence[int], settings: Settings, split: int, max_intervals: float = math.inf
) -> tuple[StepHold, ...]:
    """The intervals each step of one region holds: the slowest check sets a step's hold, and every
    check keeps gathering for the whole step. `settings`: the region's (`judge_settings_of`);
    `split`: how many checks share the region's alpha (every judged check of the policy)."""
    if any(c.pace is None for c in checks):
        return tuple(StepHold(step, None) for step in steps)
    gathered = [0.0] * len(checks)
    holds: list[StepHold] = []
    for step in steps:
        rates: list[float] = []
        wanted, never = 1, False
        for index, paced in enumerate(checks):
            assert paced.pace is not None
            expected = expected_at(paced.spec, paced.pace, step)
            if expected is None:
                rates.append(0.0)
                continue
            need = requirement(paced.spec, expected, settings, split)
            rate = need.information_per_interval
            rates.append(rate)
            missing = need.needed_information - gathered[index]
            if missing <= _EPSILON * need.needed_information:
                continue
            if rate <= 0:
                never = True
            else:
                wanted = max(wanted, math.ceil(missing / rate - _EPSILON))
        if never:  # no information at this step's pace: it cannot pass on exposure
            holds += [StepHold(s, None, True) for s in steps[len(holds) :]]
            break
        gathered = [g + wanted * rate for g, rate in zip(gathered, rates, strict=True)]
        holds.append(StepHold(step, wanted, wanted > max_intervals))
    return tuple(holds)


def holds(policy: RolloutPolicy) -> Holds:
    """Every region's expected holds, with the settings and the alpha split the promoter uses."""
    checks = paced_checks(policy)
    if not checks:
        regions = tuple(RegionHolds(r.name, r.interval, tuple(StepHold(s, 1) for s in r.steps)) for r in policy.regions)
        return Holds(False, regions, ())
    settings, longest = judge_settings_of(policy), policy.judge.max_duration
    judged = []
    for region in policy.regions:
        max_intervals = longest / region.interval if region.interval > timedelta(0) else math.inf
        steps = step_intervals(checks, region.steps, settings, len(checks), max_intervals)
        judged.append(RegionHolds(region.name, region.interval, steps))
    return Holds(True, tuple(judged), tuple(c.spec.name for c in checks if c.pace is None))


def as_json(region: RegionHolds) -> list[int | None] | None:
    """A stage's `expectedIntervals`: per step, or None when a hold depends on traffic."""
    values = [s.intervals for s in region.steps]
    return None if any(v is None for v in values) else values
