"""Where every game stands, as plain data (for `--format json`) and as a terminal view: what the refs
say (desired) next to what the servers report (observed, promoter/observed.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pygit2

from contract.instants import format_instant
from pipeline.policy import RolloutPolicy
from promoter import gates
from promoter.decide import decide, next_evaluation, position, rollout_state, stage_of
from promoter.evidence_view import check_json
from promoter.gitio import Remote
from promoter.model import GameSnapshot
from promoter.observed import (
    DEFAULT_STALE_AFTER,
    UP_TO_DATE,
    FleetView,
    counts,
    fleet_json,
    honest_summary,
    ring_observed,
)
from promoter.rollout import in_flight as running_rollout
from promoter.strategies import Position, Stage, strategy_of
from promoter.strategies.base import stage_count, stages_done
from promoter.strategies.bluegreen import SWITCH

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ReleaseMeta:
    """The release commit as a person knows it."""

    subject: str
    author: str


def release_meta(remote: Remote, sha: str | None) -> ReleaseMeta | None:
    """Subject and author of a commit in the remote's cache; None when it is not there."""
    if not sha:
        return None
    try:
        commit = remote.commit(sha)
    except (KeyError, ValueError, pygit2.GitError):
        return None
    subject = (commit.message.strip().splitlines() or [""])[0]
    return ReleaseMeta(subject, commit.author.name)


def current_release(snap: GameSnapshot) -> str | None:
    """The release a person asks about: the one in flight, else main's, else what ring-100 serves."""
    running = running_rollout(snap.records.values())
    if running is not None:
        return running.release
    if snap.candidate is not None:
        return snap.candidate.commit
    tip = next((t for (_, ring), t in sorted(snap.rings.items()) if ring == 100), None)
    return tip.release if tip else None


def diff_base(snap: GameSnapshot, release: str) -> str | None:
    """What the release changes from: what ring-100 served before it (the rollout's baseline)."""
    for (_, ring), tip in sorted(snap.rings.items()):
        if ring != 100:
            continue
        if tip.release and tip.release != release:
            return tip.release
        if tip.previous_release and tip.previous_release != release:
            return tip.previous_release
    return None


def rollbacks(snap: GameSnapshot) -> list[dict[str, Any]]:
    """Every quarantined release with the reason and the evidence (the check numbers), newest first."""
    return [
        {
            "release": q.release,
            "at": q.at.isoformat(),
            "reason": q.reason,
            "checks": [check_json(c.as_json()) for c in q.checks],
        }
        for q in sorted(snap.quarantine.values(), key=lambda q: q.at, reverse=True)
    ]


def stage_text(stage: Stage, landed: datetime, now: datetime) -> str:
    """How a person reads the stage: `10%`, `green`, `switching at <instant>`, `post-switch`."""
    if stage.label == SWITCH:
        return f"switching at {format_instant(landed)}" if landed > now else "post-switch"
    return stage.label


def stage_json(policy: RolloutPolicy, pos: Position | None, now: datetime) -> dict[str, Any]:
    """The strategy and where the rollout stands in it, for status and the API."""
    stage = stage_of(policy, pos) if pos is not None else None
    return {
        "strategy": policy.strategy,
        "stage": stage_text(stage, pos.landed, now) if stage is not None and pos is not None else None,
        "switchAt": format_instant(pos.landed) if stage is not None and pos and stage.label == SWITCH else None,
    }


def unobserved(snap: GameSnapshot, why: str = "the fleet was not observed") -> FleetView:
    return FleetView(snap.game, False, why, DEFAULT_STALE_AFTER)


def game_status(
    snap: GameSnapshot, now: datetime, fleet: FleetView | None = None, meta: ReleaseMeta | None = None
) -> dict[str, Any]:
    fleet = fleet if fleet is not None else unobserved(snap)
    decision = decide(snap, now)
    in_flight = running_rollout(snap.records.values())
    release = in_flight.release if in_flight else (snap.candidate.commit if snap.candidate else None)
    info = snap.releases.get(release) if release else None
    policy = info.policy if info else None
    regions: list[dict[str, Any]] = []
    names = [r.name for r in policy.regions] if policy else sorted({region for region, _ in snap.rings})
    names += [n for n in fleet.regions() if n not in names]  # servers of a region the refs do not know
    for name in names:
        rings = {
            str(percent): {
                "release": tip.release[:12] if tip.release else None,
                "rolledBack": tip.rollback_of[:12] if tip.rollback_of else None,
                "since": tip.time.isoformat(),
                "observed": ring_observed(fleet, name, percent),
            }
            for (region, percent), tip in sorted(snap.rings.items())
            if region == name
        }
        servers = fleet.select(name)
        observed = (
            {"servers": len(servers), "states": counts(servers), "drift": fleet.drift(name)} if fleet.known else None
        )
        regions.append({"name": name, "rings": rings, "observed": observed})
    rollout: dict[str, Any] | None = None
    if in_flight is not None and policy is not None:
        pos = position(snap, policy, in_flight.release)
        strategy = strategy_of(policy)
        total, done = stage_count(strategy, policy), stages_done(strategy, policy, pos)
        wait = next_evaluation(snap, now)
        evaluations = [e for e in in_flight.events if e.type == "evaluate"]
        rollout = {
            "id": in_flight.id,
            "release": in_flight.release,
            "state": rollout_state(snap, in_flight, now),
            "region": policy.regions[pos.region].name if pos else None,
            "step": stage_of(policy, pos).step if pos else None,
            **stage_json(policy, pos, now),
            "stepsDone": done,
            "stepsTotal": total,
            "stepLanded": pos.landed.isoformat() if pos else None,
            "nextEvaluationSeconds": wait.total_seconds() if wait is not None else None,
            "lastChecks": [check_json(c.as_json()) for c in evaluations[-1].checks] if evaluations else [],
        }
    shown = current_release(snap)
    return {
        "game": snap.game,
        "summary": honest_summary(decision.summary, fleet),
        "upToDate": decision.summary.startswith(UP_TO_DATE) and fleet.converged,
        "refs": decision.summary,
        "error": decision.error,
        "candidate": snap.candidate.commit if snap.candidate else None,
        "release": {
            "sha": shown,
            "subject": meta.subject if meta else None,
            "author": meta.author if meta else None,
            "diffBase": diff_base(snap, shown) if shown else None,
        },
        "rollout": rollout,
        **_gates(snap, release, now),
        "regions": regions,
        "observed": fleet_json(fleet, now),
        "quarantined": sorted(q.release for q in snap.quarantine.values()),
        "rollbacks": rollbacks(snap),
    }


def _gates(snap: GameSnapshot, release: str | None, now: datetime) -> dict[str, Any]:
    """The strategy the release rolls out with and why; a freeze or a start not yet due that holds
    it, by the same rule decide applies (promoter.gates.held)."""
    info = snap.releases.get(release) if release else None
    policy = info.policy if info is not None else None
    hold = gates.held(snap, release, now) if release else gates.Held()
    freeze, start = hold.freeze, hold.schedule
    return {
        "strategy": policy.strategy if policy is not None else None,
        "strategyWhy": info.strategy_why or None if info is not None else None,
        "policyBound": info.policy_bound or None if info is not None else None,
        "frozenUntil": format_instant(freeze.until) if freeze is not None else None,
        "frozenReason": freeze.reason if freeze is not None else None,
        "notBefore": format_instant(start.until) if start is not None else None,
    }


def release_metas(remote: Remote, snaps: list[GameSnapshot]) -> Mapping[str, ReleaseMeta | None]:
    """Subject and author of each game's current release, by game."""
    return {s.game: release_meta(remote, current_release(s)) for s in snaps}


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total} steps"
