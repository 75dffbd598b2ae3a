"""Stand-ins for the two inputs of a decision flow that are not git: the clock and the metrics.

A flow test whose numbers only feed `decide` (a check passes, an exposure is met) needs no
Prometheus: `InMemoryMetrics` implements promoter.metrics' `MetricsSource` and answers the gauge
queries of tests.promoter.fixtures.POLICY from a table. `FakeClock` is the reconciler's and the kill
switch's `clock`: it stands still until a test moves it, so a flow reads the same calendar at any
hour it runs (a window that spans midnight stays one) and never waits on the wall clock.
The judge's counter queries (`increase(...)`) are Prometheus' own arithmetic: those flows keep the
real Prometheus (tests.promoter.fixtures.Fleet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.promoter.fixtures import DEFAULTS

_METRIC = re.compile(r"\b(hotswap_[a-z_]+)\s*\{")
_LABEL = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class FakeClock:
    """A clock that moves only when told (`advance`)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class InMemoryMetrics:
    """What the fleet reports, per (game, revision12) and gauge; a revision never exposed has no data."""

    values: dict[tuple[str, str], dict[str, float | None]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)  # every query, in order

    def expose(self, game: str, revision: str, **metrics: float | None) -> None:
        """As `Fleet.expose`: the defaults, then these short names (`errors=3.0`); None drops a series."""
        row = self.values.setdefault((game, revision[:12]), dict(DEFAULTS))
        for short, value in metrics.items():
            row[f"hotswap_test_{short}"] = value

    def query(self, promql: str, at: datetime) -> float | None:
        self.asked.append(promql)
        metric = _METRIC.search(promql)
        labels = dict(_LABEL.findall(promql))
        row = self.values.get((labels.get("game", ""), labels.get("config_revision", "")[:12]))
        if metric is None or row is None:
            return None
        return row.get(metric.group(1))
