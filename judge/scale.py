"""A check's tolerances on the judge's log scale, and the rule they obey: the detect effect lies
beyond the tolerance it is measured against, in the direction the metric gets worse.

Plain arithmetic (no numpy), so validate asks the same rule the tests apply without loading them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from judge.model import CheckSpec, Settings


@dataclass(frozen=True)
class Scale:
    """A check's tolerances mapped to theta, and the gap its power target is computed for."""

    relative: bool
    detect: float  # theta of the detect effect
    guarded: float  # theta of the tolerance `detect` is measured against
    gap: float  # sign * (detect - guarded) > 0
    target: str  # the detect effect against its tolerance, for messages

    def value(self, theta: float) -> float:
        """theta -> what is reported: a relative change (ratio - 1) or a rate."""
        if theta == math.inf:
            return math.inf
        return math.exp(theta) - 1.0 if self.relative else math.exp(theta)


def _thetas(spec: CheckSpec, settings: Settings) -> tuple[float, float, float]:
    """(detect, theta of the detect effect, theta of the guarded tolerance)."""
    detect = spec.detect if spec.detect is not None else settings.detect
    sign = spec.sign
    if spec.relative:
        guarded = math.log1p(sign * spec.guarded)
        detect_theta = math.log1p(sign * detect) if sign * detect > -1 else -math.inf
    else:
        guarded = math.log(spec.guarded)
        detect_theta = guarded + (math.log1p(detect) if sign > 0 else math.log1p(-min(detect, 0.999)))
    return detect, detect_theta, guarded


def detect_problem(spec: CheckSpec, settings: Settings) -> str | None:
    """Why the check's detect effect cannot be tested against its tolerance (the power target is
    computed for the gap between the two, which must be finite and point the way `worse` does);
    None when it can."""
    detect, detect_theta, guarded = _thetas(spec, settings)
    gap = spec.sign * (detect_theta - guarded)
    if gap > 0 and math.isfinite(gap):
        return None
    which = f"detect {detect:g}" if spec.detect is not None else f"the default detect {detect:g} (no detect set)"
    return f"check {spec.name}: {which} must lie beyond its tolerance {spec.guarded:g} in the direction {spec.worse}"


def scale_of(spec: CheckSpec, settings: Settings) -> Scale:
    problem = detect_problem(spec, settings)
    if problem is not None:
        raise ValueError(problem)
    detect, detect_theta, guarded = _thetas(spec, settings)
    relative = spec.relative
    sign = spec.sign
    if relative:
        target = f"{sign * detect:+.0%} against the {sign * spec.guarded:+.0%} tolerance"
    else:
        target = f"{math.exp(detect_theta):.3g} against the limit {spec.guarded:g}"
    return Scale(relative, detect_theta, guarded, sign * (detect_theta - guarded), target)
