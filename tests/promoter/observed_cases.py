"""Desired vs observed on plain values: snapshots of settled rings and server reports at a fixed instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract.ring import ring_for
from promoter.model import (
    Candidate,
    DeployInfo,
    Event,
    GameSnapshot,
    QuarantineRecord,
    RolloutRecord,
)
from promoter.observed import (
    ServerReport,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


GOOD, BAD, OTHER = "a" * 40, "b" * 40, "c" * 40


RINGS = (10, 50, 100)


def servers_on(ring: int, count: int, prefix: str = "na-west") -> list[str]:
    """Server ids whose ring (the agent's own selection) is `ring`."""
    found = [f"{prefix}-{i:03d}" for i in range(1000) if ring_for(f"{prefix}-{i:03d}", RINGS) == ring]
    return found[:count]


def snapshot(ring_release: dict[tuple[str, int], str], quarantined: tuple[str, ...] = ()) -> GameSnapshot:
    rings = {
        key: DeployInfo(f"d{key[1]}", "t", release, NOW - timedelta(hours=1)) for key, release in ring_release.items()
    }
    records = {
        GOOD: RolloutRecord("g", GOOD, "t", (Event(NOW - timedelta(days=1), "bootstrap"),)),
        BAD: RolloutRecord("g", BAD, "t2", (Event(NOW - timedelta(hours=2), "rollback", reason="churn"),)),
    }
    quarantine = {q: QuarantineRecord("g", q, "t2", NOW - timedelta(hours=2), "critical churn") for q in quarantined}
    return GameSnapshot("g", Candidate(GOOD, "t"), rings, records, quarantine, {})


def settled(release: str = GOOD) -> GameSnapshot:
    return snapshot({(r, p): release for r in ("NA-WEST", "EU-WEST") for p in RINGS}, quarantined=(BAD,))


def report(server: str, revision: str | None, age: float = 1.0, region: str = "NA-WEST") -> ServerReport:
    return ServerReport(region, server, revision[:12] if revision else None, NOW - timedelta(seconds=age))
