"""The game-server library: follow a ring, validate, swap atomically, pin sessions."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry

from agent.bluegreen import BlueGreen
from agent.channel import Channel, RingSource, as_channel
from agent.events import EventCollector, utc_now
from agent.metrics import AgentMetrics
from agent.snapshot import ConfigSnapshot, freeze
from agent.source import ConfigSource, Fetched, SourceProblem
from agent.switch import SCHEDULER, FlipScheduler
from contract.errors import HotswapFailure
from contract.ring import ring_for
from pipeline.deployed import validate_deployed
from pipeline.events_schedule import Schedule
from pipeline.schemas import SchemaSet

log = logging.getLogger("hotswap.agent")
Listener = Callable[[ConfigSnapshot | None, ConfigSnapshot], None]
# Makes a new config visible outside the process (the sidecar's folder) before it is swapped in; raising
# (a HotswapFailure, kind "publish") fails the swap: the old config stays and the next poll tries again.
Publisher = Callable[[ConfigSnapshot], None]


def __getattr__(name: str) -> object:
    """`from agent.agent import GitRemote`, as the README's example and earlier code import it: the
    git channel (agent.git_channel) loads on that use only, so this module depends on the protocol."""
    if name == "GitRemote":
        import importlib

        return importlib.import_module("agent.git_channel").GitRemote
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class InvalidConfig(HotswapFailure):
    """A fetched config failed validation: it never reaches the game."""

    kind = "invalid"
    retryable = False


class Agent:
    def __init__(
        self,
        game: str,
        region: str,
        server_id: str,
        source: Channel | ConfigSource,
        registry: CollectorRegistry = REGISTRY,
        schemas: SchemaSet | None = None,
        publisher: Publisher | None = None,
        pool: str = "blue",
        scheduler: FlipScheduler = SCHEDULER,
    ) -> None:
        self.game, self.region, self.server_id = game, region, server_id
        self.source = source  # as given
        self.channel = as_channel(source)  # what the agent reads through
        self.registry = registry
        self.schemas = schemas
        self.publisher = publisher
        self.metrics = AgentMetrics.for_registry(registry)
        self._labels = {"game": game, "region": region, "server": server_id}
        self._snapshot: ConfigSnapshot | None = None
        self._sessions: Tally[str] = Tally()
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self.last_error: str | None = None
        self._refused: str | None = None  # a version that failed validation: not fetched again
        self.swap_lock = threading.RLock()  # a swap is made by a poll, or by a scheduled switch (agent.bluegreen)
        # Blue-green: the pool followed, the other pool's release held, switches at an instant.
        channel = self.channel
        self.bluegreen = BlueGreen(self, channel, pool, scheduler) if channel.green_pool else None
        if self.bluegreen is None and pool != "blue":
            raise ValueError("a pool other than blue needs a channel with a green pool, such as a git remote")
        EventCollector.track(registry, self)  # hotswap_agent_active_events, hotswap_agent_event_active

    # --- what the game uses -------------------------------------------------------------------

    @property
    def snapshot(self) -> ConfigSnapshot | None:
        """The current config; a reference read is atomic, so a reader never sees half a swap."""
        return self._snapshot

    @property
    def pool(self) -> str:
        return self.bluegreen.pool if self.bluegreen is not None else "blue"

    @property
    def ring(self) -> int:
        snap = self._snapshot
        return ring_for(self.server_id, snap.rings() if snap else (100,))

    @contextlib.contextmanager
    def session(self) -> Iterator[ConfigSnapshot]:
        """A match keeps the snapshot it started with for its whole life; new matches get the new one."""
        snap = self._snapshot
        if snap is None:
            raise RuntimeError("no config loaded yet")
        with self._lock:
            self._sessions[snap.revision] += 1
        self._update_pinned()
        try:
            yield snap
        finally:
            with self._lock:
                self._sessions[snap.revision] -= 1
            self._update_pinned()

    def events(self, now: datetime | None = None) -> Schedule | None:
        """The live events of the current config in this server's region by its clock (None: no config)."""
        snap = self._snapshot
        return None if snap is None else snap.events(self.region, now or utc_now())

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def pinned_to_older(self) -> int:
        current = self._snapshot.revision if self._snapshot else None
        with self._lock:
            return sum(n for rev, n in self._sessions.items() if rev != current)

    # --- following the ring -------------------------------------------------------------------

    def _ring_source(self) -> RingSource:
        if self.bluegreen is not None:
            return self.bluegreen.source()
        return self.channel.ring(self.game, self.region, self.ring)

    def poll_once(self) -> bool:
        """Check the ring; swap in a new valid config. True when the config changed.

        Every failure is counted here, by kind, and raised as a HotswapFailure: SourceProblem (kind
        "fetch", or "malformed" for a commit that cannot be read as a config folder), InvalidConfig,
        a publisher's failure ("publish"), and any unexpected exception ("internal"). Whatever fails,
        the old config stays in place.
        """
        try:
            changed = self._follow()
            if self.bluegreen is not None:
                self.bluegreen.prefetch()  # never raises: counted apart
            return changed
        except HotswapFailure as exc:
            self._failed(exc.kind, str(exc))
            raise
        except Exception as exc:  # a bug or an input nothing foresaw: count it, never lose the thread
            message = f"internal error: {type(exc).__name__}: {exc}"
            self._failed("internal", message)
            raise HotswapFailure(message, kind="internal") from exc

    def _follow(self) -> bool:
        followed: RingSource | None = None
        for _ in range(3):  # a new policy can move the server to another ring: follow it at once
            source = self._ring_source()
            if source is followed:  # the channel serves the new ring from the source just read
                return True
            version = source.current()
            if version is None:
                raise SourceProblem(f"{source.where} does not exist")
            if (
                version == self._refused
                or (self._snapshot is not None and version == self._snapshot.version)
                or (self.bluegreen is not None and self.bluegreen.waiting_for(version))
            ):
                self.metrics.last_success.labels(**self._labels).set_to_current_time()
                return False
            snapshot = self._take(source, version)
            if self.bluegreen is not None and self.bluegreen.deferred(version, snapshot):
                return False  # swapped in at its Hotswap-Switch-At instant
            ring_before = self.ring
            with self.swap_lock:
                self.install(snapshot)
                if self.bluegreen is not None:
                    self.bluegreen.installed(version)
            if self.ring == ring_before:
                return True
            followed = source
        return True

    def _take(self, source: RingSource, version: str) -> ConfigSnapshot:
        """The config of `version`: from memory when blue-green holds its tree, else fetched and validated."""
        bluegreen = self.bluegreen
        if bluegreen is not None:
            held = bluegreen.held(source, version)  # reads the commit alone
            if held is not None:
                return held
        fetched = source.fetch(version)
        try:
            snapshot = self._load(fetched)
        except InvalidConfig:
            self._refused = version
            raise
        if bluegreen is not None:
            bluegreen.hold(version, snapshot)
        return snapshot

    def install(self, snapshot: ConfigSnapshot) -> None:
        """Publish (a sidecar's folder), then swap: a publisher's failure leaves the old config in place."""
        with self.swap_lock:
            if self.publisher is not None:
                self.publisher(snapshot)  # raising here fails the swap: nothing below happens
            self._swap(snapshot)

    def _load(self, fetched: Fetched) -> ConfigSnapshot:
        memo = self.channel.loaded
        if memo is not None and fetched.version in memo:
            return memo[fetched.version]
        snapshot = self._validate(fetched)
        if memo is not None:
            memo[fetched.version] = snapshot
        return snapshot

    def _validate(self, fetched: Fetched) -> ConfigSnapshot:
        # The one definition of a valid deploy tree: the promoter checks what it pushes with it too.
        result = validate_deployed(self.game, fetched.files, fetched.problems, self.schemas)
        if not result.ok:
            first = next(f for f in result.findings if f.severity == "error")
            raise InvalidConfig(
                f"{fetched.revision}: {result.errors} error(s), first {first.file}:{first.line}: "
                f"{first.message} [{first.rule}]"
            )
        documents = {(d.kind, d.name): freeze(dict(d.spec)) for d in result.parsed}
        return ConfigSnapshot(self.game, fetched.revision, fetched.version, freeze(documents), freeze(fetched.files))

    def _swap(self, snapshot: ConfigSnapshot) -> None:
        old = self._snapshot
        self._snapshot = snapshot  # the swap: one reference assignment
        labels = self._labels
        if old is not None and old.revision != snapshot.revision:
            with contextlib.suppress(KeyError):
                self.metrics.config.remove(*labels.values(), old.revision, self.pool)
        # `pool` tells the promoter which ref a server should follow (a green pool: the green ref).
        self.metrics.config.labels(**labels, config_revision=snapshot.revision, pool=self.pool).set(1)
        self.metrics.swaps.labels(**labels).inc()
        self.metrics.last_success.labels(**labels).set_to_current_time()
        self._update_pinned()
        self.last_error = None
        log.info("%s: swapped to %s", self.server_id, snapshot.revision)
        for listener in list(self._listeners):
            try:
                listener(old, snapshot)
            except Exception:  # a listener's bug must not stop the agent
                log.exception("%s: listener failed", self.server_id)

    def _failed(self, kind: str, message: str) -> None:
        self.last_error = message
        self.metrics.errors.labels(**self._labels, kind=kind).inc()
        log.warning("%s: %s: %s", self.server_id, kind, " | ".join(message.splitlines()))  # one line per failure

    def _update_pinned(self) -> None:
        self.metrics.pinned.labels(**self._labels).set(self.pinned_to_older())

    def run(self, stop: threading.Event, interval: float = 2.0, max_backoff: float = 30.0) -> None:
        """Poll until `stop` is set: jitter spreads a fleet's polls, errors back off exponentially.

        Nothing ends the loop but `stop`: poll_once has counted and logged every failure already.
        """
        delay = interval
        while not stop.is_set():
            try:
                self.poll_once()
                delay = interval
            except Exception:
                delay = min(max_backoff, delay * 2)
            stop.wait(delay * random.uniform(0.8, 1.2))
