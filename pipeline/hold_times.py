"""How long each step of a rollout is expected to hold, for `hotswap plan` (pure).

A judged check (the policy's new form: a `test`) passes a step once it has gathered the information
to catch its detect effect (`pipeline.judge.requirement`); until then the step holds, one interval
at a time. Evidence carries across the steps of a region, so a region's first step holds longest
and later steps usually pass after one interval; a region's 100% step has no baseline cohort, so
there only absolute checks judge. Old-form checks are judged after one interval, as before.

The pace is what a check is expected to see per interval in a whole region (events for `rate`,
samples for `mean`, exposure in the limit's units for `absolute`), read from the check's
`expected` field when the policy has one; without it the hold "depends on traffic". The policy's
new fields are read with getattr and defaults, so this works for policies of either form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from pipeline.judge import CheckSpec, Expected, Settings, requirement
from pipeline.policy import Check, RolloutPolicy, Threshold

_EPSILON = 1e-9  # information that meets the need up to rounding meets it


@dataclass(frozen=True)
class Paced:
    """A judged check and its expected pace per interval in a whole region (None: unknown)."""

    spec: CheckSpec
    pace: float | None
    cv: float = 1.0


@dataclass(frozen=True)
class StepHold:
    step: int
    intervals: int | None  # None: depends on traffic (a judged check has no expected pace)
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


def settings_of(policy: RolloutPolicy) -> Settings:
    """The policy's judge settings (`analysis.judge`), the judge's defaults where it says nothing."""
    raw = getattr(policy, "judge", None)
    if isinstance(raw, Settings):
        return raw
    default = Settings()
    return Settings(
        confidence=float(getattr(raw, "confidence", None) or default.confidence),
        power=float(getattr(raw, "power", None) or default.power),
        detect=float(getattr(raw, "detect", None) or default.detect),
    )


def max_duration_of(policy: RolloutPolicy) -> timedelta | None:
    raw = getattr(policy, "judge", None)
    value = getattr(raw, "max_duration", None) or getattr(policy, "max_duration", None)
    return value if isinstance(value, timedelta) else None


def _worse(threshold: Threshold | None) -> str | None:
    if threshold is None:
        return None
    return "up" if threshold.op in ("relativeIncrease", "above") else "down"


def spec_of(check: Check) -> CheckSpec | None:
    """The judge's view of a new-form check; None for the old instant form (no `test`)."""
    spec = getattr(check, "spec", None)
    if isinstance(spec, CheckSpec):
        return spec
    test = getattr(check, "test", None)
    if not isinstance(test, str) or not test:
        return None
    worse = _worse(check.critical) or _worse(check.warning) or "up"
    unit = getattr(check, "unit", None) or f"{check.name} {'samples' if test == 'mean' else 'events'}"
    return CheckSpec(
        name=check.name,
        test=test,
        worse="up" if worse == "up" else "down",
        critical=check.critical.value if check.critical else None,
        warning=check.warning.value if check.warning else None,
        detect=getattr(check, "detect", None),
        unit=unit,
    )


def _pace(check: Check) -> tuple[float | None, float]:
    """The `expected` field: a number (per interval in a whole region) or an object/mapping with
    `perInterval`/`per_interval` and optionally `cv` (a mean check's coefficient of variation)."""
    raw = getattr(check, "expected", None)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw), 1.0
    get = raw.get if isinstance(raw, Mapping) else (lambda key, default=None: getattr(raw, key, default))
    pace = get("perInterval", None) or get("per_interval", None)
    cv = get("cv", None) or 1.0
    return (float(pace) if isinstance(pace, (int, float)) else None), float(cv)


def paced_checks(policy: RolloutPolicy) -> tuple[Paced, ...]:
    paced = []
    for check in policy.checks:
        spec = spec_of(check)
        if spec is not None:
            pace, cv = _pace(check)
            paced.append(Paced(spec, pace, cv))
    return tuple(paced)


def _expected(paced: Paced, step: int) -> Expected | None:
    """What the check sees per interval at a step: the candidate has `step`% of the region, the
    baseline the rest; None when the check does not judge there (no baseline at 100%)."""
    assert paced.pace is not None
    share = step / 100
    if paced.spec.test == "absolute":
        return Expected(paced.pace * share)
    if step >= 100:
        return None
    return Expected(paced.pace * share, paced.pace * (1 - share), paced.cv)


def step_intervals(
    checks: Sequence[Paced], steps: Sequence[int], settings: Settings, split: int, max_intervals: float = math.inf
) -> tuple[StepHold, ...]:
    """The intervals each step of one region holds: the slowest check sets a step's hold, and every
    check keeps gathering for the whole step. `split`: how many checks share the error budget."""
    if any(c.pace is None for c in checks):
        return tuple(StepHold(step, None) for step in steps)
    gathered = [0.0] * len(checks)
    holds: list[StepHold] = []
    for step in steps:
        rates: list[float] = []
        wanted, never = 1, False
        for index, paced in enumerate(checks):
            expected = _expected(paced, step)
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
    checks = paced_checks(policy)
    if not checks:
        regions = tuple(RegionHolds(r.name, r.interval, tuple(StepHold(s, 1) for s in r.steps)) for r in policy.regions)
        return Holds(False, regions, ())
    settings, longest = settings_of(policy), max_duration_of(policy)
    judged = []
    for region in policy.regions:
        max_intervals = longest / region.interval if longest and region.interval else math.inf
        steps = step_intervals(checks, region.steps, settings, len(checks), max_intervals)
        judged.append(RegionHolds(region.name, region.interval, steps))
    return Holds(True, tuple(judged), tuple(c.spec.name for c in checks if c.pace is None))


def as_json(region: RegionHolds) -> list[int | None] | None:
    """A stage's `expectedIntervals`: per step, or None when a hold depends on traffic."""
    values = [s.intervals for s in region.steps]
    return None if any(v is None for v in values) else values
