"""A simulated fleet: real Agents on the remote, players whose behaviour follows agent.effects with
Poisson noise (agent.players), exported through one /metrics endpoint with per-server labels (the
metrics contract in the README).

Counters are per revision: a server that swaps drops its old revision's series and starts the new
one's at 0 (exported before the first event), so `increase(...[w])` for a revision counts only what
happened under it. A tick is charged to the config that ran during it, before the agents poll.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from agent.agent import Agent
from agent.effects import Effects, effects_of
from agent.git_channel import GitRemote
from agent.players import PLAYERS_PER_SERVER, Tick, fill, play
from agent.sessions import SessionDurations
from agent.snapshot import ConfigSnapshot
from contract.errors import HotswapFailure
from contract.metrics import CONFIG_REVISION
from contract.metrics import LABELS as SERVER_LABELS

# The game's own metrics, labelled with the revision the promoter judges them by.
LABELS = (*SERVER_LABELS, CONFIG_REVISION)
DEFAULT_TICK_RATE = 30
# The library's default clock is the demo's: its intervals of 5-6 s then hold what a mid-size game's
# 30-minute intervals hold (~200 churn events on a 10% canary), not the ~0.7 of real time.
COMPRESSED_SPEED = 300.0


class FleetMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, LABELS, registry=registry)

        def counter(name: str, doc: str) -> Counter:
            return Counter(name, doc, LABELS, registry=registry)

        self.players = gauge("hotswap_players_active", "Players in matches on the server.")
        self.player_seconds = counter("hotswap_player_seconds", "Player-seconds of play on the server.")
        self.churned = counter("hotswap_players_churned", "Players who quit and did not come back.")
        self.complaints = counter("hotswap_player_complaints", "Complaints and negative reports filed.")
        self.crashes = counter("hotswap_server_crashes", "Server crashes and forced disconnects.")
        self.purchases = counter("hotswap_purchases", "Store purchases.")
        self.sessions = SessionDurations(LABELS)
        registry.register(self.sessions)
        self.health = gauge("hotswap_server_health", "Server health score, 0 to 1.")
        self.engagement = gauge("hotswap_engagement_score", "Engagement score, 0 to 100.")
        self.tick_rate = gauge("hotswap_server_tick_rate_hz", "Simulation ticks per second.")
        self.latency = gauge("hotswap_client_latency_ms", "Mean client round-trip latency.")
        self.fps = gauge("hotswap_client_fps", "Mean client frames per second.")

    def counters(self) -> tuple[Counter, ...]:
        return (self.player_seconds, self.churned, self.complaints, self.crashes, self.purchases)

    def gauges(self) -> tuple[Gauge, ...]:
        return (self.players, self.health, self.engagement, self.tick_rate, self.latency, self.fps)

    def start(self, labels: Sequence[str]) -> None:
        """A revision's counters exist at 0 from the swap on: its first scrape reads 0, not a jump."""
        for family in self.counters():
            family.labels(*labels)
        self.sessions.start(labels)

    def remove(self, labels: Sequence[str]) -> None:
        for family in (*self.counters(), *self.gauges()):
            with contextlib.suppress(KeyError):
                family.remove(*labels)
        self.sessions.remove(labels)

    def record(self, labels: Sequence[str], tick: Tick, tick_rate: float) -> None:
        self.players.labels(*labels).set(tick.players)
        self.player_seconds.labels(*labels).inc(tick.player_seconds)
        self.churned.labels(*labels).inc(tick.churned)
        self.complaints.labels(*labels).inc(tick.complaints)
        self.crashes.labels(*labels).inc(tick.crashes)
        self.purchases.labels(*labels).inc(tick.purchases)
        self.sessions.observe(labels, tick.sessions)
        self.health.labels(*labels).set(tick.health)
        self.engagement.labels(*labels).set(tick.engagement)
        self.tick_rate.labels(*labels).set(tick_rate)
        self.latency.labels(*labels).set(tick.latency_ms)
        self.fps.labels(*labels).set(tick.fps)


@dataclass
class Server:
    agent: Agent
    fill: float = 1.0  # its share of the configured players
    effects: Effects = field(default_factory=Effects)


class Fleet:
    """`players_per_server` is the mean players a server holds; `speed` the simulated seconds that
    pass per wall-clock second in `run` (COMPRESSED_SPEED unless told; `hotswap simulate` runs at 1
    unless told). `tick` takes simulated seconds."""

    def __init__(
        self,
        remote: str,
        game: str,
        regions: list[str],
        servers_per_region: int = 40,
        seed: int = 7,
        cache: Path | None = None,
        players_per_server: float = PLAYERS_PER_SERVER,
        speed: float = COMPRESSED_SPEED,
        green_servers: int = 0,
    ) -> None:
        self.game = game
        self.players_per_server = players_per_server
        self.speed = speed
        self.registry = CollectorRegistry()
        self.metrics = FleetMetrics(self.registry)
        # A scrape reads every family while a tick records: without the lock it could see a tick's
        # player-seconds and not its crashes, and with a sped-up tick's large increments that skews
        # a rate read over a few scrapes by tens of percent.
        self.lock = threading.Lock()
        self.rng = np.random.default_rng(seed)
        shared = GitRemote(remote, cache)
        self.servers = [
            Server(
                Agent(
                    game,
                    region,
                    f"{region.lower()}-{i:03d}",
                    shared,
                    registry=self.registry,
                    pool="green" if i < green_servers else "blue",  # the first few of a region: blue-green's green
                ),
                fill(self.rng),
            )
            for region in regions
            for i in range(servers_per_region)
        ]
        for server in self.servers:
            server.agent.add_listener(self._on_swap(server))
        self._server: object | None = None

    def _labels(self, server: Server, revision: str) -> tuple[str, str, str, str]:
        return (self.game, server.agent.region, server.agent.server_id, revision)

    def _on_swap(self, server: Server) -> Callable[[ConfigSnapshot | None, ConfigSnapshot], None]:
        def listener(old: ConfigSnapshot | None, new: ConfigSnapshot) -> None:
            with self.lock:  # a blue-green switch swaps on the scheduler's thread, beside a tick
                if old is not None and old.revision != new.revision:
                    self.metrics.remove(self._labels(server, old.revision))
                self.metrics.start(self._labels(server, new.revision))
                server.effects = effects_of(new.documents)

        return listener

    def serve(self, port: int = 0) -> int:
        served = CollectorRegistry()
        served.register(_Consistent(self.registry, self.lock))
        server, _ = start_http_server(port, addr="127.0.0.1", registry=served)
        self._server = server
        return int(server.server_port)

    def poll(self) -> None:
        for server in self.servers:
            with contextlib.suppress(HotswapFailure):  # counted by the agent; it keeps its config
                server.agent.poll_once()

    def tick(self, seconds: float) -> None:
        """Advance every server's players by `seconds` (simulated) under the config it runs."""
        played = []
        for server in self.servers:
            snap = server.agent.snapshot
            if snap is None:
                continue
            tick = play(self.rng, self.players_per_server * server.fill, seconds, server.effects)
            played.append((server, snap, tick))
        with self.lock:  # a scrape sees all of a tick or none of it
            for server, snap, tick in played:
                current = server.agent.snapshot
                # A switch on the scheduler's thread since: charged to the revision running now, whose
                # series exist (the old one's were dropped by the listener and must not come back).
                labels = self._labels(server, (current or snap).revision)
                self.metrics.record(labels, tick, _tick_rate(current or snap))

    def run(self, stop: threading.Event, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        last = clock()
        while not stop.is_set():
            now = clock()
            self.tick((now - last) * self.speed)  # played under the configs of the last interval
            last = now
            self.poll()
            stop.wait(interval)


class _Consistent(Collector):
    """The fleet's registry as one snapshot, read under the lock its ticks record under."""

    def __init__(self, registry: CollectorRegistry, lock: threading.Lock) -> None:
        self.registry, self.lock = registry, lock

    def collect(self) -> Iterable[Metric]:
        with self.lock:
            return list(self.registry.collect())


def _tick_rate(snap: ConfigSnapshot) -> float:
    if any(kind == "Performance" for kind, _ in snap.documents):
        return float(snap.spec("Performance")["server"]["tickRate"])
    return DEFAULT_TICK_RATE
