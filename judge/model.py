"""The judge's plain values: settings, what a check asks, the batches it reads, what it concludes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple

Direction = Literal["up", "down"]  # the direction in which the metric gets worse
CheckField = Literal["tolerance", "detect"]  # what a CheckSpecError points at
JudgeVerdict = Literal["critical", "warning", "hold", "pass", "inconclusive"]
# Worst first, for combining the checks of a step.
JUDGE_ORDER: tuple[JudgeVerdict, ...] = ("critical", "warning", "inconclusive", "hold", "pass")
# The threshold keys a check's levels take, (worse up, worse down): a relative kind's against the
# baseline, an absolute kind's as limits on the candidate's own rate.
RELATIVE_OPS = ("relativeIncrease", "relativeDecrease")
ABSOLUTE_OPS = ("above", "below")
PLAYER_HOUR = 3600.0  # limits are events per player-hour; the exposure counter counts player-seconds


@dataclass(frozen=True)
class Settings:
    """The judge's knobs for one policy (maxDuration stays with the caller).

    `confidence` bounds the chance that any check of the policy raises a false critical or warning
    in one region, however often it is looked at; `detect` is the default effect (relative change,
    e.g. 0.25 = +25%) a check must be able to catch with `power` before a step passes on exposure;
    `prior_scale` is the spread (log scale) of the mixture over effect sizes.
    """

    confidence: float = 0.99
    power: float = 0.99
    detect: float = 0.25
    prior_scale: float = 0.2

    def __post_init__(self) -> None:
        if not 0.5 < self.confidence < 1:
            raise ValueError(f"confidence must be in (0.5, 1), got {self.confidence}")
        if not 0.5 <= self.power < 1:
            raise ValueError(f"power must be in [0.5, 1), got {self.power}")
        if not self.detect > 0 or not self.prior_scale > 0:
            raise ValueError("detect and prior_scale must be positive")

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence


class CheckSpecError(ValueError):
    """A check the judge cannot take as written; `field` names what is wrong: "tolerance" or "detect"."""

    def __init__(self, message: str, field: CheckField) -> None:
        super().__init__(message)
        self.field: CheckField = field


@dataclass(frozen=True)
class CheckSpec:
    """One check as the judge sees it.

    `test` names the registry entry (`rate`, `mean`, `absolute`). For `rate` and `mean` the
    tolerances are relative changes against the baseline (0.05 = 5% worse in direction `worse`);
    for `absolute` they are limits on the candidate's rate (events per unit of exposure), e.g.
    0.01 complaints per player-hour. `detect` (relative; for `absolute` relative to the critical
    limit, else to the baseline) overrides Settings.detect and must lie beyond the tolerance it is
    measured against (the critical one, else the warning one).
    """

    name: str
    test: str
    worse: Direction
    critical: float | None = None
    warning: float | None = None
    detect: float | None = None
    unit: str = "events"  # for messages: "churn events", "sessions"

    def __post_init__(self) -> None:
        if self.critical is None and self.warning is None:
            raise CheckSpecError(f"check {self.name}: needs a critical or a warning tolerance", "tolerance")
        fields: tuple[tuple[CheckField, tuple[float | None, ...]], ...] = (
            ("tolerance", (self.critical, self.warning)),
            ("detect", (self.detect,)),
        )
        for field, values in fields:
            what = "tolerances" if field == "tolerance" else "detect"
            if any(value is not None and not value > 0 for value in values):
                raise CheckSpecError(f"check {self.name}: {what} must be positive", field)
            if self.worse == "down" and self.relative and any(v is not None and v >= 1 for v in values):
                raise CheckSpecError(f"check {self.name}: a relative decrease ({what}) must be below 100%", field)

    @property
    def relative(self) -> bool:
        """Its tolerances are relative changes against the baseline (else limits on the candidate's rate)."""
        from judge.registry import lookup  # the registry's kinds build on this module

        return lookup(self.test).relative

    @property
    def sign(self) -> int:
        return 1 if self.worse == "up" else -1

    @property
    def guarded(self) -> float:
        """The tolerance `detect` is measured against: the critical one, else the warning one."""
        value = self.critical if self.critical is not None else self.warning
        assert value is not None
        return value

    @property
    def loosest(self) -> float:
        """The tolerance closest to no change: a pass by bound must rule this one out."""
        values = [v for v in (self.critical, self.warning) if v is not None]
        return min(values) if self.worse == "up" or self.relative else max(values)


@dataclass(frozen=True)
class RateBatch:
    """Increases of one rate check's counters over one batch (since the previous evaluation)."""

    candidate_events: float
    candidate_exposure: float
    baseline_events: float
    baseline_exposure: float


@dataclass(frozen=True)
class MeanArm:
    """What a mean and its variance need: sum, sum of squares and count of the samples."""

    total: float
    squares: float
    count: float

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count > 0 else math.nan

    @property
    def variance(self) -> float:
        if self.count < 2:
            return math.nan
        return max(0.0, (self.squares - self.total**2 / self.count) / (self.count - 1))


@dataclass(frozen=True)
class MeanBatch:
    candidate: MeanArm
    baseline: MeanArm


@dataclass(frozen=True)
class AbsoluteBatch:
    """Candidate events and exposure over one batch, judged against a fixed rate."""

    events: float
    exposure: float


Batch = RateBatch | MeanBatch | AbsoluteBatch

ReadHow = Literal["increase", "sum", "squares", "count"]


class Read(NamedTuple):
    """One value a check reads per cohort, the cohort's name before its key ("candidateEvents").

    `how`: "increase" is a counter's increase since the step landed (cumulative: each evaluation's
    batch is the difference to the last); "sum", "squares" and "count" are a gauge's sum, sum of
    squares and count across the cohort's servers at the evaluation (a batch as read)."""

    key: str  # "Events", "Exposure", "Sum", "Squares", "Count"
    metric: str  # a Prometheus metric name
    how: ReadHow


@dataclass(frozen=True)
class Need:
    """What a check still needs before it can pass on exposure, in the check's own units."""

    information: float  # Fisher information on the log scale gathered so far
    needed_information: float
    events: float  # the candidate's events (or samples) so far
    needed_events: float  # about how many the candidate needs in all
    intervals_to_go: float | None  # at the pace of the last batch; None when unknown
    unit: str

    @property
    def met(self) -> bool:
        return self.information >= self.needed_information

    def describe(self) -> str:
        if math.isinf(self.needed_information):
            return f"cannot reach the detect effect (has {self.events:.0f} {self.unit})"
        text = f"needs ~{self.needed_events:.0f} {self.unit}, has {self.events:.0f}"
        if not self.met and self.intervals_to_go is not None and math.isfinite(self.intervals_to_go):
            text += f", ~{self.intervals_to_go:.1f} intervals to go"
        return text


@dataclass(frozen=True)
class Evidence:
    """What one check's data say: the estimate and the anytime-valid bounds, as relative changes
    (`rate`, `mean`: candidate/baseline - 1) or as rates (`absolute`), plus the counts behind them."""

    check: str
    test: str
    alpha: float  # the level of the bounds (the policy's alpha split over its checks)
    estimate: float | None  # None: no data
    lower: float | None
    upper: float | None
    need: Need
    counts: tuple[tuple[str, float], ...]  # e.g. (("candidate_events", 212.0), ...) for the ledger
    missing: str = ""  # with no estimate: which side has no data ("candidate" or "baseline")


@dataclass(frozen=True)
class Judgement:
    check: str
    verdict: JudgeVerdict
    reason: str
    evidence: Evidence


@dataclass(frozen=True)
class Expected:
    """What a step is expected to see per interval, for planning and validation (no data yet).

    `candidate`/`baseline`: events per interval (`rate`), samples per interval (`mean`), or the
    candidate's exposure per interval (`absolute`, in the limit's units). `cv` is the coefficient
    of variation (standard deviation / mean) of a mean check's samples.
    """

    candidate: float
    baseline: float = 0.0
    cv: float = 1.0


@dataclass(frozen=True)
class Requirement:
    """The arithmetic of "how long until a step can pass", for plan, status and validate."""

    check: str
    needed_information: float
    information_per_interval: float
    needed_events: float
    events_per_interval: float
    unit: str
    target: str  # e.g. "+25% against the +5% tolerance"
    alpha: float
    power: float

    @property
    def intervals(self) -> float:
        if self.information_per_interval <= 0:
            return math.inf
        return self.needed_information / self.information_per_interval

    def describe(self) -> str:
        return (
            f"{self.check}: catching {self.target} with power {self.power:.2f} at alpha {self.alpha:.2g}"
            f" needs information"
            f" {self.needed_information:.0f} (~{self.needed_events:.0f} {self.unit});"
            f" at {self.events_per_interval:.4g} {self.unit} per interval"
            f" (information {self.information_per_interval:.4g}) that is {self.intervals:.1f} intervals"
        )
