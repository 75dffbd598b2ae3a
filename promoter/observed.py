"""The fleet as observed next to what the refs say: pure functions from a game's snapshot and the
servers' reports (their running revision and last report time) to desired vs observed per region and
ring, with each server's state. No I/O here: promoter/fleet_reports.py reads the reports.

A server's ring is computed as the agent computes it (contract.ring.ring_for over the region's rings);
its desired revision is the release its ring branch carries (12 hex, the `config_revision` label),
or, for a server of a blue-green green pool, the release the region's live green ref carries
(`desired_for`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from contract.ring import ring_for
from promoter import green
from promoter.model import GameSnapshot

State = Literal["ok", "drift", "quarantined", "unknown", "stale"]
STATES: tuple[State, ...] = ("ok", "drift", "quarantined", "unknown", "stale")
# A server whose last report is older than this is "stale" (not reporting). The agents poll every
# 2 s and Prometheus scrapes every 15-30 s in most setups: a minute is a few missed scrapes.
DEFAULT_STALE_AFTER = 60.0
# How far back a server that stopped reporting is still remembered (and listed as stale).
LOOKBACK_SECONDS = 3600


@dataclass(frozen=True)
class ServerReport:
    """What one server told Prometheus: the revision it runs and when it last reported."""

    region: str
    server: str
    revision: str | None  # 12 hex; None when it stopped reporting and its last revision is ambiguous
    last_report: datetime | None
    pool: str | None = None  # "green" for a server started in a blue-green green pool (its `pool` label)


@dataclass(frozen=True)
class Reports:
    """The fleet's reports for one game, as read at one moment."""

    servers: tuple[ServerReport, ...]


@dataclass(frozen=True)
class Unobserved:
    """The fleet could not be observed (no Prometheus configured, Prometheus unreachable): why."""

    why: str


Observation = Reports | Unobserved


@dataclass(frozen=True)
class ServerView:
    server: str
    region: str
    ring: int | None  # None: the region has no ring branches (or they do not end at 100)
    revision: str | None
    desired: str | None  # 12 hex of the release the ring branch carries
    state: State
    last_report: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "server": self.server,
            "region": self.region,
            "ring": self.ring,
            "revision": self.revision,
            "desired": self.desired,
            "state": self.state,
            "lastReport": self.last_report.isoformat() if self.last_report else None,
        }


@dataclass(frozen=True)
class FleetView:
    """Desired vs observed for one game. `known` is False when the fleet could not be observed."""

    game: str
    known: bool
    why: str | None
    stale_after: float
    servers: tuple[ServerView, ...] = ()

    @property
    def converged(self) -> bool:
        """Observed matches desired: some server reports, and every server runs its ring's release."""
        return self.known and bool(self.servers) and all(s.state == "ok" for s in self.servers)

    def select(self, region: str | None = None, ring: int | None = None) -> list[ServerView]:
        return [s for s in self.servers if (region is None or s.region == region) and (ring is None or s.ring == ring)]

    def drift(self, region: str | None = None) -> int:
        """Servers that report a revision other than their ring's desired one."""
        return sum(1 for s in self.select(region) if s.state != "stale" and s.revision != s.desired)

    def regions(self) -> list[str]:
        return sorted({s.region for s in self.servers})


GREEN_POOL = "green"


def desired_for(server_pool: str | None, region: str, ring: int | None, snap: GameSnapshot) -> str | None:
    """What a server should run (12 hex): a green-pool server the region's green ref while it is
    live (promoter/green.py: it deploys the release in flight), any other server, and a green-pool
    one whose region has no live green, its ring's release. A green ref left on an older release
    is not followed: a server still on it has drifted."""
    tip = green.followed(snap, region) if server_pool == GREEN_POOL else None
    if tip is not None:
        return tip.release[:12] if tip.release else None
    if ring is None:
        return None
    tip_of_ring = snap.rings.get((region, ring))
    return tip_of_ring.release[:12] if tip_of_ring is not None and tip_of_ring.release else None


def known_revisions(snap: GameSnapshot) -> set[str]:
    """Revisions this game has ever deployed or meant to (12 hex): anything else is unknown."""
    known = {r[:12] for r in snap.records}
    for tip in (*snap.rings.values(), *snap.green.values()):
        known.update(x[:12] for x in (tip.release, tip.previous_release, tip.rollback_of) if x)
    if snap.candidate is not None:
        known.add(snap.candidate.commit[:12])
    return known


def quarantined_revisions(snap: GameSnapshot) -> set[str]:
    return {q.release[:12] for q in snap.quarantine.values()}


def server_ring(server: str, rings: Iterable[int]) -> int | None:
    percents = sorted(rings)
    if not percents:
        return None
    try:
        return ring_for(server, percents)
    except ValueError:  # ring branches that do not end at 100: no ring can be told
        return None


def classify(
    report: ServerReport,
    desired: str | None,
    ring: int | None,
    known: set[str],
    quarantined: set[str],
    now: datetime,
    stale_after: float,
) -> State:
    if report.last_report is None or (now - report.last_report).total_seconds() > stale_after:
        return "stale"
    revision = report.revision
    if revision is None:
        return "unknown"
    if revision in quarantined:
        return "quarantined"
    if ring is None or desired is None or revision not in known:
        return "unknown"
    return "ok" if revision == desired else "drift"


def observe(
    snap: GameSnapshot, observation: Observation, now: datetime, stale_after: float = DEFAULT_STALE_AFTER
) -> FleetView:
    if isinstance(observation, Unobserved):
        return FleetView(snap.game, False, observation.why, stale_after)
    rings_of: dict[str, list[int]] = {}
    for region, percent in snap.rings:
        rings_of.setdefault(region, []).append(percent)
    known, quarantined = known_revisions(snap), quarantined_revisions(snap)
    views = []
    for report in sorted(observation.servers, key=lambda r: (r.region, r.server)):
        ring = server_ring(report.server, rings_of.get(report.region, ()))
        want = desired_for(report.pool, report.region, ring, snap)
        state = classify(report, want, ring, known, quarantined, now, stale_after)
        views.append(ServerView(report.server, report.region, ring, report.revision, want, state, report.last_report))
    return FleetView(snap.game, True, None, stale_after, tuple(views))


def counts(servers: Iterable[ServerView]) -> dict[str, int]:
    tally = Counter(s.state for s in servers)
    return {state: tally.get(state, 0) for state in STATES}


def by_revision(servers: Iterable[ServerView]) -> dict[str, int]:
    tally = Counter(s.revision or "?" for s in servers if s.state != "stale")
    return dict(sorted(tally.items()))


def ring_observed(view: FleetView, region: str, ring: int) -> dict[str, object] | None:
    """Servers per revision and per state on one ring; None when the fleet is not observed."""
    if not view.known:
        return None
    servers = view.select(region, ring)
    return {"servers": len(servers), "revisions": by_revision(servers), "states": counts(servers)}


def _names(servers: Iterable[ServerView], state: State) -> list[str]:
    return [s.server for s in servers if s.state == state]


def fleet_json(view: FleetView, now: datetime) -> dict[str, object]:
    """The game-level observation: every server that is not ok is named, by state."""
    return {
        "known": view.known,
        "why": view.why,
        "at": now.isoformat(),
        "staleAfterSeconds": view.stale_after,
        "converged": view.converged,
        "servers": len(view.servers),
        "states": counts(view.servers),
        "drift": view.drift(),
        "notReporting": _names(view.servers, "stale"),
        "quarantined": _names(view.servers, "quarantined"),
        "unknown": _names(view.servers, "unknown"),
        "drifting": _names(view.servers, "drift"),
    }


def describe(view: FleetView, limit: int = 5) -> str:
    """One line: how many servers report, and which are not on their ring's release."""
    if not view.known:
        return f"observed: unknown ({view.why})"
    if not view.servers:
        return "observed: no server reports this game"
    tally = counts(view.servers)
    parts = [f"{tally['ok']}/{len(view.servers)} servers on their ring's release"]
    labels: Mapping[State, str] = {
        "quarantined": "on a quarantined revision",
        "drift": "on another revision",
        "unknown": "on an unknown revision",
        "stale": "not reporting",
    }
    for state, label in labels.items():
        names = _names(view.servers, state)
        if names:
            shown = ", ".join(names[:limit]) + (f", +{len(names) - limit} more" if len(names) > limit else "")
            parts.append(f"{len(names)} {label} ({shown})")
    return "observed: " + "; ".join(parts)


UP_TO_DATE = "up to date"


def honest_summary(refs_summary: str, view: FleetView) -> str:
    """The decision's summary, with "up to date" kept only when the fleet is observed to match
    the refs; otherwise the refs' claim is shown as the refs' alone, followed by what was observed."""
    observed = describe(view)
    if not refs_summary.startswith(UP_TO_DATE):
        return f"{refs_summary}; {observed}"
    rest = refs_summary[len(UP_TO_DATE) :].lstrip(": ")
    if view.converged:
        return f"{refs_summary}; {observed}"
    return f"refs settled ({rest}), fleet not confirmed; {observed}"
