"""What the three tests share: bounds by inverting the test, the need (the tolerances on the log
scale are judge.scale's).

Every test works on a log-scale parameter theta (log rate ratio, log ratio of means, log rate) and
supplies `evidence(theta0, sign)`: the running maximum of the log mixture for the null "theta is
at most theta0" (sign +1) or "at least theta0" (sign -1). That evidence falls monotonically as
theta0 moves against the sign, so inverting the test by bisection gives a confidence sequence:
the lower bound is the largest theta0 the upward test rejects, the upper bound the smallest the
downward test rejects. Comparing a bound with a tolerance is then the same as testing it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from judge.mixture import bisect_bound, needed_information
from judge.model import CheckSpec, Expected, Need, Read, Requirement, Settings
from judge.scale import scale_of

EvidenceAt = Callable[[float, int], float]  # (theta0, sign) -> running max of the log mixture
_SPAN = 12.0  # bounds are searched within +-SPAN (log scale) of the estimate


def needed(spec: CheckSpec, settings: Settings, alpha: float) -> float:
    return needed_information(scale_of(spec, settings).gap, alpha, settings.power, settings.prior_scale)


def requirement(
    spec: CheckSpec, expected: Expected, alpha: float, settings: Settings, per_interval: float
) -> Requirement:
    """A test's Requirement from the information one interval brings at the expected pace: the
    arithmetic every test shares once it knows `per_interval`."""
    need = needed(spec, settings, alpha)
    return Requirement(
        check=spec.name,
        needed_information=need,
        information_per_interval=per_interval,
        needed_events=need * expected.candidate / per_interval if per_interval > 0 else math.inf,
        events_per_interval=expected.candidate,
        unit=spec.unit,
        target=scale_of(spec, settings).target,
        alpha=alpha,
        power=settings.power,
    )


def bounds(evidence: EvidenceAt, alpha: float, center: float) -> tuple[float, float]:
    """The confidence sequence for theta at level alpha on each side: (lower, upper), +-inf if open."""
    line = math.log(1.0 / alpha)
    center = min(max(center, -30.0), 30.0)
    low, high = center - _SPAN, center + _SPAN
    lower = bisect_bound(lambda t: evidence(t, 1) >= line, low, high)
    upper = -bisect_bound(lambda u: evidence(-u, -1) >= line, -high, -low)
    return (-math.inf if lower <= low else lower, math.inf if upper >= high else upper)


def make_need(
    information: float, needed_information: float, events: float, per_info: float, last_info: float, unit: str
) -> Need:
    """`per_info`: the candidate's events per unit of information at the current pace."""
    remaining = max(0.0, needed_information - information)
    return Need(
        information=information,
        needed_information=needed_information,
        events=events,
        needed_events=events + remaining * per_info,
        intervals_to_go=remaining / last_info if last_info > 0 else None,
        unit=unit,
    )


# --- what kinds share: reads, levels and pace ------------------------------------------------------


def event_reads(metrics: Mapping[str, str], exposure: str) -> tuple[Read, ...]:
    """A cohort's event counter and the policy's exposure counter (player-seconds), as increases."""
    return (Read("Events", metrics.get("events", ""), "increase"), Read("Exposure", exposure, "increase"))


def per_exposure(counts: Mapping[str, float | None], side: str, scale: float = 1.0) -> float | None:
    """A cohort's events per unit of exposure (times `scale`) from the ledger's counts; None without data."""
    events, exposure = counts.get(f"{side}Events"), counts.get(f"{side}Exposure")
    return events / exposure * scale if events is not None and exposure else None


def relative_expected(pace: float, share: float) -> Expected | None:
    """A relative kind's pace at a step: the candidate has `share` of the region, the baseline the
    rest; None at 100% (no baseline cohort: the kind does not judge there)."""
    if share >= 1:
        return None
    return Expected(pace * share, pace * (1 - share))
