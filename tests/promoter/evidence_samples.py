"""Checks as the judge's wiring records them (the contract's JSON shape), for the views' tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promoter.model import CheckResult

CHURN_NEED = "needs ~430 churn events, has 212, ~1.1 intervals to go"
RATE: dict[str, Any] = {
    "test": "rate",
    "alpha": 0.0025,
    "estimate": 0.031,
    "lower": -0.08,
    "upper": 0.15,
    "critical": 0.05,
    "warning": 0.02,
    "counts": {"candidateEvents": 212, "candidateExposure": 51000, "baselineEvents": 1890, "baselineExposure": 460000},
    "need": {
        "events": 212,
        "neededEvents": 430,
        "unit": "churn events",
        "intervalsToGo": 1.1,
        "met": False,
        "text": CHURN_NEED,
    },
}
MEAN: dict[str, Any] = {
    "test": "mean",
    "alpha": 0.0025,
    "estimate": -0.042,
    "lower": -0.12,
    "upper": 0.031,
    "critical": None,
    "warning": -0.10,
    "counts": {"candidateMean": 1834.5, "candidateCount": 1520, "baselineMean": 1915.0, "baselineCount": 14000},
    "need": {"events": 1520, "neededEvents": 900, "unit": "sessions", "intervalsToGo": 0, "met": True},
}
ABSOLUTE: dict[str, Any] = {
    "test": "absolute",
    "alpha": 0.0025,
    "estimate": 0.0031,
    "lower": 0.0027,
    "upper": 0.0036,
    "critical": 0.01,
    "warning": None,
    "counts": {"candidateEvents": 44, "candidateExposure": 51000},
    "need": {"events": 44, "neededEvents": 60, "unit": "complaints", "intervalsToGo": 0.4, "met": False},
}


@dataclass(frozen=True)
class Judged(CheckResult):
    """A CheckResult carrying evidence the way `as_json` will once the judge is wired in."""

    shown: Mapping[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return super().as_json() | {"evidence": dict(self.shown) if self.shown is not None else None}


def judged(name: str, verdict: Any, evidence: Mapping[str, Any], message: str = "") -> Judged:
    return Judged(name, verdict, None, None, message, shown=evidence)


HOLD = judged("churn", "hold", RATE, f"churn +3.1% [-8.0%, +15.0%]: {CHURN_NEED}")
JUDGED = (
    HOLD,
    judged("session-duration", "pass", MEAN),
    judged("complaints", "pass", ABSOLUTE),
    CheckResult("latency", "n/a", message="no baseline cohort at this step; relative threshold not applicable"),
)
