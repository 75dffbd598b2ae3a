"""What `hotswap serve` keeps between requests: the remote and its lock, the reconciler, the
settings, the metrics, and the background loop's passes (reconcile, tell GitHub, observe the fleet)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from contract.errors import HotswapFailure
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubPort
from promoter.gitio import GitProblem, Remote, redact
from promoter.model import GameSnapshot, RolloutRecord
from promoter.observed import FleetView
from promoter.reconcile import Outcome, Reconciler, failed, reject
from promoter.service.auth import AuthSettings
from promoter.service.fleet import FleetBoard
from promoter.service.limits import RateLimiter
from promoter.service.log import EventLog
from promoter.service.loop import PassLoop
from promoter.status import ReleaseMeta, release_metas


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.duration = Histogram("hotswap_reconcile_duration_seconds", "Time of one reconcile pass.", registry=r)
        self.decisions = Counter("hotswap_decisions", "Decisions by outcome.", ["outcome"], registry=r)
        self.promotions = Counter("hotswap_promotions", "Steps deployed.", registry=r)
        self.rollbacks = Counter("hotswap_rollbacks", "Rollbacks written.", registry=r)
        self.errors = Counter("hotswap_errors", "Errors by kind.", ["kind"], registry=r)
        self.github_told = Counter("hotswap_github_told", "Things told to GitHub.", registry=r)
        self.github_owed = Gauge(
            "hotswap_github_owed", "Things GitHub could not be told yet (told on a later pass).", registry=r
        )
        self.github_refused = Counter(
            "hotswap_github_refused", "Things GitHub refused for good (a 4xx for that item; in the ledger).", registry=r
        )
        self.last_good = Gauge(
            "hotswap_last_good_reconcile_timestamp_seconds", "End of the last good pass.", registry=r
        )

    def record(self, outcomes: list[Outcome], seconds: float) -> None:
        self.duration.observe(seconds)
        for o in outcomes:
            self.decisions.labels("error" if o.error else ("wrote" if o.wrote else "nothing")).inc()
            if "WriteRings" in o.actions:
                self.promotions.inc()
            if "RevertRings" in o.actions:
                self.rollbacks.inc()
            if o.error:
                self.errors.labels(o.kind or "decision").inc()
        if not any(o.error for o in outcomes):
            self.last_good.set_to_current_time()


@dataclass
class Service:
    remote: Remote
    reconciler: Reconciler
    auth: AuthSettings
    webhook_secret: bytes | None
    interval: float = 30.0
    public_status: bool = False  # the status page at / without a token (it shows no secrets)
    github: GitHubPort | None = None  # config changes become pull requests when set
    notifier: Notifier | None = None  # tells GitHub about rollouts, from a cache of its own
    last_notify_error: str | None = None
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(rate=10.0, burst=40))
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one user of the git cache at a time
    runner: PassLoop = field(default_factory=PassLoop)  # the background loop: its wake, its state for /healthz
    last_pass: float | None = None
    passes: int = 0
    last_error: str | None = None
    fleet: FleetBoard = field(default_factory=FleetBoard)  # what servers report (observed), for status and /metrics
    session_key: bytes | None = None  # signs the status page's session cookies; derived from auth when None
    compare_url: str | None = None  # GitHub's compare page for the repository, linked from the status page
    log: EventLog = field(default_factory=EventLog)

    def reconcile_once(self) -> list[Outcome]:
        start = time.monotonic()
        try:
            with self.lock:
                outcomes = self.reconciler.run_once()
        except Exception as exc:  # the whole pass failed (the remote unreachable, a bug): next pass retries
            outcome = failed("*", exc)
            self.metrics.errors.labels(outcome.kind or "internal").inc()
            self.last_error = redact(outcome.summary)
            self.log.emit("error", kind=outcome.kind or "internal", summary=self.last_error)
            return [replace(outcome, summary=self.last_error, error=redact(outcome.error or ""))]
        self.log.outcomes(outcomes)
        self.metrics.record(outcomes, time.monotonic() - start)
        self.last_pass = time.time()
        self.passes += 1
        return outcomes

    def notify_once(self) -> None:
        """Tell GitHub, outside the lock: the notifier reads its own cache of the remote, so a slow
        or failing GitHub never holds up the API (an approval, a rollback) or the next pass."""
        if self.notifier is None:
            return
        try:
            self.notifier.remote.fetch()
            report = self.notifier.run(self.notifier.remote.games())
        except GitProblem as exc:
            self.metrics.errors.labels("git").inc()
            self.last_notify_error = redact(str(exc))
            return
        self.last_notify_error = report.error
        self.metrics.github_told.inc(report.told)
        self.metrics.github_owed.set(report.pending)
        if report.error:
            self.metrics.errors.labels(report.error_kind).inc()
            self.log.emit("error", kind=report.error_kind, summary=report.error)
        for refused in report.failed:
            self.log.emit("error", kind="github-refused", summary=refused)
        for game, why in report.broken:  # that game's alone: the others were told
            self.metrics.errors.labels("internal").inc()
            self.log.emit("error", kind="internal", game=game, summary=f"telling GitHub: {why}")
        if report.failed:  # refused for good (a 4xx for one item): recorded in the ledger, never retried
            self.metrics.github_refused.inc(len(report.failed))
        if report.rejections:
            with self.lock:
                self.remote.fetch()
                reject(self.remote, report, self.reconciler.clock, self.reconciler.revert_main)
            self.wake.set()

    def observe_once(self) -> None:
        """Read what the fleet reports (drift in /metrics); Prometheus failing is a state, never raised."""
        try:
            snaps = self.snapshots()
        except GitProblem:
            self.metrics.errors.labels("git").inc()
            return
        self.fleet.refresh(snaps, datetime.now(UTC))

    @property
    def wake(self) -> threading.Event:
        """Set: the next pass starts now (a webhook, an approval, a rollback)."""
        return self.runner.wake

    @property
    def loop_state(self) -> str:
        return self.runner.state

    @property
    def loop_beat(self) -> float | None:
        return self.runner.beat

    def loop(self, stop: threading.Event) -> None:
        """Pass after pass until stopped. Nothing one pass raises ends it: it is counted by kind."""
        self.runner.run(
            (self.reconcile_once, self.notify_once, self.observe_once), self.step_failed, stop, self.interval
        )

    def step_failed(self, exc: Exception) -> None:
        kind = exc.kind if isinstance(exc, HotswapFailure) else "internal"
        self.metrics.errors.labels(kind).inc()
        self.last_error = redact(f"{type(exc).__name__}: {exc}")[:500]
        self.log.emit("error", kind=kind, summary=self.last_error)

    def snapshots(self) -> list[GameSnapshot]:
        """Every game that can be read; one whose records cannot be (a broken ledger file) is left
        out, counted and logged, so the API answers for the others."""
        with self.lock:
            read = [self._read(game) for game in self.remote.games()]
        return [snap for snap in read if snap is not None]

    def snapshot(self, game: str) -> GameSnapshot | None:
        """One game's snapshot (None: no such game, or it cannot be read), without reading the others."""
        with self.lock:
            return self._read(game) if game in self.remote.games() else None

    def _read(self, game: str) -> GameSnapshot | None:
        try:
            return self.remote.snapshot(game)
        except Exception as exc:
            outcome = failed(game, exc)
            self.metrics.errors.labels(outcome.kind or "internal").inc()
            self.last_error = redact(outcome.summary)
            self.log.emit("error", game=game, kind=outcome.kind, summary=self.last_error)
            return None

    def observed(self, snaps: list[GameSnapshot]) -> tuple[dict[str, FleetView], dict[str, ReleaseMeta | None]]:
        """Per game: the fleet as observed, and its current release's subject and author."""
        now = datetime.now(UTC)
        fleets = {s.game: self.fleet.view(s, now) for s in snaps}
        with self.lock:
            metas = dict(release_metas(self.remote, snaps))
        return fleets, metas

    def find(self, rollout: str) -> tuple[GameSnapshot, RolloutRecord] | None:
        for snap in self.snapshots():
            for record in snap.records.values():
                if record.id == rollout:
                    return snap, record
        return None
