"""One server's side of a blue-green release (DESIGN: Strategies).

- Its pool: a "green" server reads `deploy/<g>/<r>/green` while it exists (else its ring: the
  promoter drops green once no release in flight deploys it); a "blue" one (the default) reads its ring.
- The other pool's release is pre-fetched and validated in the background of the polls (green for
  a blue server, the ring for a green one) and held in memory by tree, with the config the server
  runs and the one before it (for a switch-back).
- A ring commit carrying `Hotswap-Switch-At` whose tree is held is swapped in from memory at that
  instant (only the commit is read); one that is not held is fetched and validated as usual and
  swapped at the instant if that is still ahead, else at once, counted late.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import Gauge

from agent.snapshot import ConfigSnapshot
from agent.source import Head
from agent.switch import FlipScheduler, timing
from contract.errors import HotswapFailure
from contract.trailers import RELEASE, SWITCH_AT

if TYPE_CHECKING:
    from agent.agent import Agent
    from agent.channel import Channel, RingSource

log = logging.getLogger("hotswap.agent")
POOLS = ("blue", "green")


@dataclass(frozen=True)
class _Pending:
    version: str
    tree: str
    snapshot: ConfigSnapshot
    at: float


class BlueGreen:
    def __init__(
        self,
        agent: Agent,
        channel: Channel,
        pool: str,
        scheduler: FlipScheduler,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if pool not in POOLS:
            raise ValueError(f"pool must be one of {', '.join(POOLS)}, not {pool!r}")
        self.agent, self.channel, self.pool = agent, channel, pool
        self.scheduler, self.clock = scheduler, clock
        self.metrics = agent.metrics  # the switch's families are the agent's (AgentMetrics)
        self.labels = {"game": agent.game, "region": agent.region, "server": agent.server_id}
        # Read at a flip, when a fleet in one process makes a thousand back to back: looked up once.
        self._switches = self.metrics.switches.labels(**self.labels)
        self._late = self.metrics.late.labels(**self.labels)
        self._offset: Gauge | None = None  # exported from the first switch on
        self.lock = agent.swap_lock  # a swap: by a poll, or by the scheduler at an instant
        self._held: dict[str, ConfigSnapshot] = {}  # tree id -> validated snapshot
        self._heads: dict[str, Head] = {}  # the commit being followed, read once
        self._current: str | None = None  # trees: the one the server runs, the one before it
        self._previous: str | None = None
        self._other: tuple[str, str] | None = None  # the other pool: (commit, tree) held
        self._other_before: str | None = None  # its tree before it moved (a green server's blue after a switch)
        self._other_refused: str | None = None
        self._other_revision: str | None = None
        self._pending: _Pending | None = None
        self._switch_at: float | None = None  # the instant of the swap a poll is about to make
        # Prepares a scheduled swap's publish ahead of the instant (the sidecar writes the version's
        # folder, so the swap at the instant only replaces the link); a failure is left to the publish.
        self.stager: Callable[[ConfigSnapshot], None] | None = None

    # --- which ref -------------------------------------------------------------------------------

    def _ring(self) -> RingSource:
        return self.channel.ring(self.agent.game, self.agent.region, self.agent.ring)

    def _green(self) -> RingSource:
        return self.channel.green(self.agent.game, self.agent.region)

    def source(self) -> RingSource:
        """The ref this server follows: green for a green server while green exists, else its ring."""
        if self.pool == "green":
            green = self._green()
            if green.current() is not None:
                return green
        return self._ring()

    def _other_source(self) -> RingSource | None:
        """The other pool's ref: green for a blue server, the ring for a green one reading green."""
        if self.pool == "blue":
            return self._green()
        ring = self._ring()
        return ring if self.source() is not ring else None

    # --- following a commit ------------------------------------------------------------------------

    def waiting_for(self, version: str) -> bool:
        """True while a poll sees the commit already scheduled for its instant: nothing to do."""
        pending = self._pending
        return pending is not None and pending.version == version

    def held(self, source: RingSource, version: str) -> ConfigSnapshot | None:
        """Reads the commit alone; the snapshot of its tree when the server holds it."""
        head = source.head(version)
        self._heads = {version: head}
        snapshot = self._held.get(head.tree)
        if snapshot is None:
            return None
        # Same tree, same release: a commit that does not name its release keeps the held one's.
        revision = head.revision if RELEASE in head.trailers else snapshot.revision
        return dataclasses.replace(snapshot, version=version, revision=revision)

    def hold(self, version: str, snapshot: ConfigSnapshot) -> None:
        head = self._heads.get(version)
        if head is not None:
            with self.lock:
                self._held[head.tree] = snapshot

    def deferred(self, version: str, snapshot: ConfigSnapshot) -> bool:
        """Decides when `snapshot` goes in: True when it is scheduled for its Switch-At instant."""
        head = self._heads.get(version)
        with self.lock:
            self._pending = None  # a newer commit replaces a switch not made yet
            self._switch_at = None
            if head is None or self.agent.snapshot is None:  # the first config is no switch
                return False
            if head.tree == self._current:
                # The config the server runs already (a green pool back on its ring once green is
                # dropped): nothing flips, so no instant is waited for and no switch is counted.
                return False
            now = self.clock()
            when = timing(head.trailers, now)
            if when.note:
                log.warning("%s: %s: %s", self.agent.server_id, version[:12], when.note)
            if when.at is None:
                return False
            if when.at <= now:  # the instant has passed: at once, late
                self._switch_at = when.at
                return False
            pending = _Pending(version, head.tree, snapshot, when.at)
            self._pending = pending
        if self.stager is not None:
            try:
                self.stager(snapshot)  # before the flip is scheduled: the two never write at once
            except Exception as exc:
                log.warning("%s: staging %s: %s", self.agent.server_id, snapshot.revision, exc)
        self.scheduler.call_at(when.at, lambda: self._flip(pending))
        log.info("%s: %s scheduled for %s", self.agent.server_id, snapshot.revision, head.trailers.get(SWITCH_AT))
        return True

    def _flip(self, pending: _Pending) -> None:
        with self.lock:
            if self._pending is not pending:  # a newer commit came first
                return
            self._pending = None
            try:
                self.agent.install(pending.snapshot)
            except HotswapFailure as exc:  # counted as a poll's failure; the next poll swaps it, late
                self.agent._failed(exc.kind, str(exc))
                return
            self._ran(pending.tree)
            self._switched(pending.at, late=False)

    def installed(self, version: str) -> None:
        """After a poll's swap (under `lock`): a switch made at once is counted late, the trees kept."""
        at, self._switch_at = self._switch_at, None
        head = self._heads.get(version)
        if head is not None:
            self._ran(head.tree)
        if at is not None:
            self._switched(at, late=True)

    def _ran(self, tree: str) -> None:
        if tree != self._current:
            self._previous, self._current = self._current, tree
        self._keep()

    def _switched(self, at: float, late: bool) -> None:
        offset = self.clock() - at
        if self._offset is None:
            self._offset = self.metrics.offset.labels(**self.labels)
        self._offset.set(offset)
        self._switches.inc()
        if late:
            self._late.inc()
        log.info("%s: switched %+.3f s from the instant%s", self.agent.server_id, offset, " (late)" if late else "")

    def _keep(self) -> None:
        """Holds the trees the server runs and ran before, the other pool's and a pending switch's."""
        keep = {self._current, self._previous, self._other_before, self._other[1] if self._other else None}
        if self._pending is not None:
            keep.add(self._pending.tree)
        self._held = {tree: snap for tree, snap in self._held.items() if tree in keep}

    # --- the other pool ----------------------------------------------------------------------------

    def prefetch(self) -> None:
        """Fetch and validate the other pool's release when it moved; never raises (counted apart)."""
        labels = self.labels
        version: str | None = None
        try:
            other = self._other_source()
            version = other.current() if other is not None else None
            if other is None or version is None:
                self._show_other(None)
                return
            if version == self._other_refused or (self._other is not None and self._other[0] == version):
                return
            head = other.head(version)
            snapshot = self._held.get(head.tree) or self.agent._load(other.fetch(version))
            with self.lock:
                self._held[head.tree] = snapshot
                if self._other is not None and self._other[1] != head.tree:
                    self._other_before = self._other[1]
                self._other = (version, head.tree)
                self._keep()
            self._show_other(head.revision)
        except HotswapFailure as exc:
            if exc.kind == "invalid":
                self._other_refused = version
            self.metrics.prefetch_errors.labels(**labels, kind=exc.kind).inc()
            log.warning("%s: prefetch: %s: %s", self.agent.server_id, exc.kind, " | ".join(str(exc).splitlines()))
        except Exception as exc:  # a bug: counted, never lost
            self.metrics.prefetch_errors.labels(**labels, kind="internal").inc()
            log.warning("%s: prefetch: internal error: %s: %s", self.agent.server_id, type(exc).__name__, exc)

    def _show_other(self, revision: str | None) -> None:
        if revision == self._other_revision:
            return
        labels = self.labels
        if self._other_revision is not None:
            self.metrics.prefetched.remove(*labels.values(), self._other_revision)
        if revision is not None:
            self.metrics.prefetched.labels(**labels, config_revision=revision).set(1)
        else:
            self._other = None
        self._other_revision = revision

    def holds(self) -> set[str]:
        """The trees held in memory (for tests and the bench)."""
        return set(self._held)
