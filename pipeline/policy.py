"""The RolloutPolicy as typed, immutable values (built from a schema-valid spec)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, cast

from pipeline.durations import parse_duration

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


@dataclass(frozen=True)
class Check:
    name: str
    query: str
    baseline: str | None
    critical: Threshold | None
    warning: Threshold | None
    description: str = ""


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
        checks=tuple(
            Check(
                name=c["name"],
                query=c["query"],
                baseline=c.get("baseline"),
                critical=_threshold(c.get("critical")),
                warning=_threshold(c.get("warning")),
                description=c.get("description", ""),
            )
            for c in analysis["checks"]
        ),
        inconclusive_limit=analysis.get("inconclusiveLimit", 3),
        error_limit=analysis.get("errorLimit", 3),
        exposure_query=analysis.get("exposure", {}).get("query"),
        exposure_minimum=float(analysis.get("exposure", {}).get("minimum", 0)),
    )
