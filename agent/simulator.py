"""A simulated fleet: real Agents on the remote, players whose behaviour follows agent.effects,
exported through one /metrics endpoint with per-server labels (the metrics contract in the README)."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from agent.agent import Agent, GitRemote
from agent.effects import Effects, effects_of
from agent.snapshot import ConfigSnapshot
from promoter.errors import HotswapFailure

LABELS = ("game", "region", "server", "config_revision")
BASE_PLAYERS = 50.0
BASE_CHURN_PER_SECOND = 0.002  # per active player
BASE_COMPLAINTS_PER_SECOND = 0.00002
BASE_CRASHES_PER_SECOND = 0.0005  # per server
BASE_SESSION_SECONDS = 1200.0
BASE_ENGAGEMENT = 80.0
BASE_LATENCY_MS = 40.0
NOISE = 0.02


class FleetMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.players = Gauge("hotswap_players_active", "Players in matches on the server.", LABELS, registry=registry)
        self.churned = Counter(
            "hotswap_players_churned", "Players who quit and did not come back.", LABELS, registry=registry
        )
        self.complaints = Counter(
            "hotswap_player_complaints", "Complaints and negative reports filed.", LABELS, registry=registry
        )
        self.crashes = Counter(
            "hotswap_server_crashes", "Server crashes and forced disconnects.", LABELS, registry=registry
        )
        self.health = Gauge("hotswap_server_health", "Server health score, 0 to 1.", LABELS, registry=registry)
        self.sessions = Histogram(
            "hotswap_session_duration_seconds",
            "Length of finished sessions.",
            LABELS,
            registry=registry,
            buckets=(60, 300, 600, 900, 1200, 1800, 2700, 3600),
        )
        self.engagement = Gauge("hotswap_engagement_score", "Engagement score, 0 to 100.", LABELS, registry=registry)
        self.tick_rate = Gauge("hotswap_server_tick_rate_hz", "Simulation ticks per second.", LABELS, registry=registry)
        self.latency = Gauge("hotswap_client_latency_ms", "Mean client round-trip latency.", LABELS, registry=registry)
        self.fps = Gauge("hotswap_client_fps", "Mean client frames per second.", LABELS, registry=registry)
        self.purchases = Counter("hotswap_purchases", "Store purchases.", LABELS, registry=registry)

    def families(self) -> tuple[Gauge | Counter | Histogram, ...]:
        return (
            self.players,
            self.churned,
            self.complaints,
            self.crashes,
            self.health,
            self.sessions,
            self.engagement,
            self.tick_rate,
            self.latency,
            self.fps,
            self.purchases,
        )


@dataclass
class Server:
    agent: Agent
    effects: Effects = field(default_factory=Effects)


class Fleet:
    def __init__(
        self,
        remote: str,
        game: str,
        regions: list[str],
        servers_per_region: int = 40,
        seed: int = 7,
        cache: Path | None = None,
    ) -> None:
        self.game = game
        self.registry = CollectorRegistry()
        self.metrics = FleetMetrics(self.registry)
        self.rng = random.Random(seed)
        shared = GitRemote(remote, cache)
        self.servers = [
            Server(Agent(game, region, f"{region.lower()}-{i:03d}", shared, registry=self.registry))
            for region in regions
            for i in range(servers_per_region)
        ]
        for server in self.servers:
            server.agent.add_listener(self._on_swap(server))
        self._server: object | None = None

    def _on_swap(self, server: Server) -> Callable[[ConfigSnapshot | None, ConfigSnapshot], None]:
        def listener(old: ConfigSnapshot | None, new: ConfigSnapshot) -> None:
            if old is not None and old.revision != new.revision:
                labels = (self.game, server.agent.region, server.agent.server_id, old.revision)
                for family in self.metrics.families():
                    with contextlib.suppress(KeyError):
                        family.remove(*labels)
            server.effects = effects_of(new.documents)

        return listener

    def serve(self, port: int = 0) -> int:
        server, _ = start_http_server(port, addr="127.0.0.1", registry=self.registry)
        self._server = server
        return int(server.server_port)

    def poll(self) -> None:
        for server in self.servers:
            with contextlib.suppress(HotswapFailure):  # counted by the agent; it keeps its config
                server.agent.poll_once()

    def _noise(self) -> float:
        return 1 + self.rng.uniform(-NOISE, NOISE)

    def tick(self, seconds: float) -> None:
        """Advance every server's players by `seconds` under the config it runs."""
        m = self.metrics
        for server in self.servers:
            snap = server.agent.snapshot
            if snap is None:
                continue
            e = server.effects
            labels = (self.game, server.agent.region, server.agent.server_id, snap.revision)
            players = BASE_PLAYERS * self._noise()
            m.players.labels(*labels).set(players)
            m.churned.labels(*labels).inc(players * BASE_CHURN_PER_SECOND * e.churn * seconds * self._noise())
            m.complaints.labels(*labels).inc(
                players * BASE_COMPLAINTS_PER_SECOND * e.complaints * seconds * self._noise()
            )
            m.crashes.labels(*labels).inc(BASE_CRASHES_PER_SECOND * e.crashes * seconds * self._noise())
            m.health.labels(*labels).set(max(0.0, 0.97 - e.health_penalty) * (1 + self.rng.uniform(-0.005, 0.005)))
            for _ in range(max(1, round(players * seconds / BASE_SESSION_SECONDS * 4))):
                m.sessions.labels(*labels).observe(BASE_SESSION_SECONDS * e.session * self._noise())
            m.engagement.labels(*labels).set(BASE_ENGAGEMENT * e.engagement * self._noise())
            tick = snap.spec("Performance")["server"]["tickRate"] if _has(snap, "Performance") else 30
            m.tick_rate.labels(*labels).set(tick)
            m.latency.labels(*labels).set(BASE_LATENCY_MS * e.latency * self._noise())
            m.fps.labels(*labels).set(110 / max(1.0, e.latency) * self._noise())
            m.purchases.labels(*labels).inc(players * 0.0005 * e.engagement * seconds * self._noise())

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        last = time.monotonic()
        while not stop.is_set():
            self.poll()
            now = time.monotonic()
            self.tick(now - last)
            last = now
            stop.wait(interval)


def _has(snap: ConfigSnapshot, kind: str) -> bool:
    return any(k == kind for k, _ in snap.documents)
