"""The last observation of each game's fleet, shared by the serve loop, the API, the page and
/metrics: `hotswap_fleet_drift_servers{game,region}`, `hotswap_fleet_servers{game,region,state}` and
`hotswap_fleet_observed{game}` (0 when Prometheus could not tell; the other two are then absent)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric

from promoter.model import GameSnapshot
from promoter.observed import DEFAULT_STALE_AFTER, STATES, FleetView, Observation, Unobserved, observe


class FleetSource(Protocol):
    def observe(self, game: str, at: datetime) -> Observation:
        """What the game's servers report, or why that is unknown. Never raises."""
        ...


class FleetBoard:
    def __init__(
        self, source: FleetSource | None = None, stale_after: float = DEFAULT_STALE_AFTER, max_age: float = 5.0
    ) -> None:
        self.source = source
        self.stale_after = stale_after
        self.max_age = max_age  # an API read reuses the loop's observation if it is younger than this
        self._views: dict[str, tuple[float, FleetView]] = {}
        self._lock = threading.Lock()
        self._registered: set[int] = set()

    def view(self, snap: GameSnapshot, now: datetime, failed: Unobserved | None = None) -> FleetView:
        with self._lock:
            cached = self._views.get(snap.game)
        if cached is not None and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        observation: Observation
        if failed is not None:
            observation = failed
        elif self.source is None:
            observation = Unobserved("no Prometheus configured for the fleet")
        else:
            observation = self.source.observe(snap.game, now)
        view = observe(snap, observation, now, self.stale_after)
        with self._lock:
            self._views[snap.game] = (time.monotonic(), view)
        return view

    def refresh(self, snaps: Iterable[GameSnapshot], now: datetime) -> dict[str, FleetView]:
        """Observe every game now (a loop pass); games that are gone are forgotten."""
        views = {}
        failed: Unobserved | None = None  # Prometheus failed for one game: not asked again this pass
        for snap in snaps:
            with self._lock:
                self._views.pop(snap.game, None)
            view = views[snap.game] = self.view(snap, now, failed)
            if not view.known and failed is None and self.source is not None:
                failed = Unobserved(view.why or "unknown")
        with self._lock:
            for game in set(self._views) - set(views):
                del self._views[game]
        return views

    def register(self, registry: CollectorRegistry) -> None:
        if id(registry) not in self._registered:
            registry.register(self)
            self._registered.add(id(registry))

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            views = [v for _, v in self._views.values()]
        observed = GaugeMetricFamily(
            "hotswap_fleet_observed", "1 when the game's fleet was observed in Prometheus, else 0.", labels=["game"]
        )
        drift = GaugeMetricFamily(
            "hotswap_fleet_drift_servers",
            "Servers reporting a revision other than their ring's desired release.",
            labels=["game", "region"],
        )
        servers = GaugeMetricFamily(
            "hotswap_fleet_servers",
            "Servers by state (ok, drift, quarantined, unknown, stale).",
            labels=["game", "region", "state"],
        )
        for view in sorted(views, key=lambda v: v.game):
            observed.add_metric([view.game], 1.0 if view.known else 0.0)
            if not view.known:
                continue
            for region in view.regions():
                drift.add_metric([view.game, region], float(view.drift(region)))
                in_region = view.select(region)
                for state in STATES:
                    servers.add_metric([view.game, region, state], float(sum(1 for s in in_region if s.state == state)))
        yield observed
        yield drift
        yield servers
