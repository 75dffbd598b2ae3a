"""What the API returns, as plain data built from snapshots (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promoter.decide import position, rollout_state, stage_of
from promoter.evidence_view import check_json
from promoter.model import GameSnapshot, RolloutRecord
from promoter.observed import FleetView, fleet_json
from promoter.status import ReleaseMeta, game_status, stage_json


def deployment(snap: GameSnapshot, record: RolloutRecord, now: datetime) -> dict[str, Any]:
    info = snap.releases.get(record.release)
    pos = position(snap, info.policy, record.release) if info and info.policy and record.ended is None else None
    policy = info.policy if info else None
    region = policy.regions[pos.region] if policy and pos else None
    return {
        "id": record.id,
        "game": record.game,
        "release": record.release,
        "state": rollout_state(snap, record, now),
        "startedAt": record.events[0].at.isoformat() if record.events else None,
        "endedAt": record.ended.at.isoformat() if record.ended else None,
        "region": region.name if region else None,
        "step": stage_of(policy, pos).step if policy and pos else None,
        **(stage_json(policy, pos, now) if policy else {"strategy": None, "stage": None, "switchAt": None}),
        "events": len(record.events),
    }


def deployment_metrics(record: RolloutRecord) -> dict[str, Any]:
    evaluations = [e for e in record.events if e.type == "evaluate"]
    last = evaluations[-1] if evaluations else None
    return {
        "id": record.id,
        "at": last.at.isoformat() if last else None,
        "region": last.region if last else None,
        "step": last.step if last else None,
        "outcome": last.outcome if last else None,
        # each check with its evidence (counts, estimate, bounds, need); null for the old instant form
        "checks": [check_json(c.as_json()) for c in last.checks] if last else [],
    }


def game_configs(snap: GameSnapshot, now: datetime, fleet: FleetView | None = None) -> dict[str, Any]:
    status = game_status(snap, now, fleet)
    return {"game": snap.game, "main": status["candidate"], "summary": status["summary"], "regions": status["regions"]}


def game_detail(snap: GameSnapshot, now: datetime, fleet: FleetView, meta: ReleaseMeta | None) -> dict[str, Any]:
    """`GET /api/v1/games/{game}`: the status of `hotswap status --format json`, desired vs observed."""
    return game_status(snap, now, fleet, meta)


def game_servers(fleet: FleetView, now: datetime) -> dict[str, Any]:
    """`GET /api/v1/games/{game}/servers`: every server with its ring, revision, desired revision and state."""
    return {
        "game": fleet.game,
        "observed": fleet_json(fleet, now),
        "servers": [s.as_json() for s in fleet.servers],
    }
