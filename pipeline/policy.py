"""The RolloutPolicy as typed, immutable values (built from a schema-valid spec)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple, cast

from judge import CheckSpec, Settings
from judge.model import CheckField, CheckSpecError
from judge.scale import detect_problem
from pipeline.durations import parse_duration
from pipeline.strategy_rules import (
    FreezeWindow,
    StrategyRule,
    freeze_from_spec,
    not_before_from_spec,
    strategies_from_spec,
)

ThresholdOp = Literal["above", "below", "relativeIncrease", "relativeDecrease"]


@dataclass(frozen=True)
class Threshold:
    op: ThresholdOp
    value: float

    @property
    def relative(self) -> bool:
        return self.op.startswith("relative")

    def describe(self) -> str:
        if self.op == "relativeIncrease":
            return f"+{self.value:.0%} vs baseline"
        if self.op == "relativeDecrease":
            return f"-{self.value:.0%} vs baseline"
        return f"{'>' if self.op == 'above' else '<'} {self.value:g}"


CheckTest = str  # a test kind's name: judge.TESTS holds them
# The metric fields a new-form check may name; which of them a check names is its kind's rule.
METRIC_FIELDS = ("events", "sum", "count", "squares", "gauge")


@dataclass(frozen=True)
class Check:
    """One check. The old form has `query` (and `baseline`) PromQL templates compared as two point
    values; the new form has a `test` and metric names the promoter builds the PromQL from."""

    name: str
    query: str  # "" for the new form
    baseline: str | None
    critical: Threshold | None
    warning: Threshold | None
    description: str = ""
    test: CheckTest | None = None  # None: the old instant form
    events: str | None = None  # rate, absolute: the event counter
    sum: str | None = None  # mean over counters: sum, count and (for the variance) squares
    count: str | None = None
    squares: str | None = None
    gauge: str | None = None  # mean over a gauge sampled across the cohort's servers
    detect: float | None = None  # the relative change the step must be able to catch
    expected: float | None = None  # events (mean: samples) per interval across a whole region, for validate

    @property
    def metrics(self) -> dict[str, str]:
        """The metric fields the check names (events, sum, ...), for its kind's reads."""
        named = {key: getattr(self, key) for key in METRIC_FIELDS}
        return {key: value for key, value in named.items() if value is not None}


@dataclass(frozen=True)
class JudgeSettings:
    """`analysis.judge`: the sequential judge's knobs (see judge.Settings)."""

    confidence: float = 0.99
    power: float = 0.99
    max_duration: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class BlueGreen:
    """`spec.blueGreen`: how far ahead of its push a switch (or switch-back) names its instant."""

    switch_lead: timedelta = timedelta(seconds=5)


@dataclass(frozen=True)
class Region:
    name: str
    steps: tuple[int, ...]
    interval: timedelta
    approval: bool


@dataclass(frozen=True)
class RolloutPolicy:
    game: str
    strategy: str
    rings: tuple[int, ...]
    regions: tuple[Region, ...]
    checks: tuple[Check, ...]
    inconclusive_limit: int = 3
    error_limit: int = 3
    exposure_query: str | None = None  # the candidate cohort's size; below the minimum, checks are inconclusive
    exposure_minimum: float = 0.0
    exposure_counter: str | None = None  # the exposure counter of rate/absolute checks (player-seconds)
    judge: JudgeSettings = JudgeSettings()
    blue_green: BlueGreen = BlueGreen()
    strategies: tuple[StrategyRule, ...] = ()  # pipeline.strategy_select picks one by what a release touches
    freeze: tuple[FreezeWindow, ...] = ()  # UTC windows in which nothing is promoted (promoter.gates)
    not_before: datetime | None = None  # no rollout starts before this instant

    @property
    def judged(self) -> tuple[Check, ...]:
        """The checks of the new form, judged by the sequential judge."""
        return tuple(c for c in self.checks if c.test is not None)

    @property
    def minimum_duration(self) -> timedelta:
        """Every step waits its interval before it is judged; approvals come on top."""
        return sum((r.interval * len(r.steps) for r in self.regions), timedelta(0))

    def region(self, name: str) -> Region | None:
        return next((r for r in self.regions if r.name == name), None)


def _threshold(raw: dict[str, Any] | None) -> Threshold | None:
    if not raw:
        return None
    ((op, value),) = raw.items()
    return Threshold(cast(ThresholdOp, op), float(value))


def policy_from_spec(game: str, spec: dict[str, Any]) -> RolloutPolicy:
    analysis = spec["analysis"]
    return RolloutPolicy(
        game=game,
        strategy=spec["strategy"],
        rings=tuple(spec["rings"]),
        regions=tuple(
            Region(
                name=r["name"],
                steps=tuple(r["steps"]),
                interval=parse_duration(r["interval"]) or timedelta(0),
                approval=r.get("approval") == "required",
            )
            for r in spec["regions"]
        ),
        checks=tuple(_check(c) for c in analysis["checks"]),
        inconclusive_limit=analysis.get("inconclusiveLimit", 3),
        error_limit=analysis.get("errorLimit", 3),
        exposure_query=analysis.get("exposure", {}).get("query"),
        exposure_minimum=float(analysis.get("exposure", {}).get("minimum", 0)),
        exposure_counter=analysis.get("exposure", {}).get("counter"),
        judge=judge_settings(analysis.get("judge", {})),
        blue_green=_blue_green(spec.get("blueGreen", {})),
        strategies=strategies_from_spec(spec),
        freeze=freeze_from_spec(spec),
        not_before=not_before_from_spec(spec),
    )


def _blue_green(raw: dict[str, Any]) -> BlueGreen:
    lead = parse_duration(raw["switchLead"]) if "switchLead" in raw else None
    return BlueGreen(lead) if lead is not None else BlueGreen()


def _check(raw: dict[str, Any]) -> Check:
    optional = {key: raw.get(key) for key in METRIC_FIELDS}
    return Check(
        name=raw["name"],
        query=raw.get("query", ""),
        baseline=raw.get("baseline"),
        critical=_threshold(raw.get("critical")),
        warning=_threshold(raw.get("warning")),
        description=raw.get("description", ""),
        test=raw.get("test"),
        detect=_number(raw.get("detect")),
        expected=_number(raw.get("expected")),
        **optional,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def judge_settings(raw: dict[str, Any]) -> JudgeSettings:
    default = JudgeSettings()
    duration = parse_duration(raw["maxDuration"]) if "maxDuration" in raw else None
    return JudgeSettings(
        confidence=float(raw.get("confidence", default.confidence)),
        power=float(raw.get("power", default.power)),
        max_duration=duration if duration is not None and duration > timedelta(0) else default.max_duration,
    )


def check_spec(check: Check) -> CheckSpec:
    """A new-form check as the judge sees it. Raises ValueError for what validate refuses."""
    if check.test is None:
        raise ValueError(f"check {check.name}: the old form is not judged by the sequential judge")
    levels = [t for t in (check.critical, check.warning) if t is not None]
    worse = {"relativeIncrease": "up", "above": "up", "relativeDecrease": "down", "below": "down"}
    directions = {worse[t.op] for t in levels}
    if len(directions) != 1:
        raise ValueError(f"check {check.name}: critical and warning must point the same way")
    from judge.registry import lookup  # loads the tests (numpy): only for a policy that judges

    unit = lookup(check.test).unit
    return CheckSpec(
        name=check.name,
        test=check.test,
        worse="up" if directions == {"up"} else "down",
        critical=check.critical.value if check.critical else None,
        warning=check.warning.value if check.warning else None,
        detect=check.detect,
        unit=f"{check.name} {unit}",
    )


def judge_settings_of(policy: RolloutPolicy) -> Settings:
    """The judge's Settings for one region: the policy's alpha is split over its regions (and
    evaluate_all splits each region's share over the checks)."""
    alpha = (1.0 - policy.judge.confidence) / max(1, len(policy.regions))
    return Settings(confidence=1.0 - alpha, power=policy.judge.power)


class CheckProblem(NamedTuple):
    """Why the judge cannot judge a check, and which of its fields to point at."""

    field: CheckField
    message: str


def check_problem(policy: RolloutPolicy, check: Check) -> CheckProblem | None:
    """Why the sequential judge cannot judge a new-form check as written: what `check_spec`, the
    policy's settings or the judge's scale refuse (the judge's own rules, asked rather than copied);
    None when it can. validate reports it, so plan and the promoter meet only checks it let through."""
    try:
        spec = check_spec(check)
        problem = detect_problem(spec, judge_settings_of(policy))
    except CheckSpecError as exc:
        return CheckProblem(exc.field, str(exc))
    except ValueError as exc:  # critical and warning point different ways
        return CheckProblem("tolerance", str(exc))
    if problem is None:
        return None
    return CheckProblem("detect" if spec.detect is not None else "tolerance", problem)
