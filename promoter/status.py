"""Where every game stands, as plain data (for `--format json`) and as a terminal view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promoter.decide import decide, next_evaluation, position, rollout_state
from promoter.model import GameSnapshot
from promoter.rollout import in_flight as running_rollout

FORMAT_VERSION = 1


def game_status(snap: GameSnapshot, now: datetime) -> dict[str, Any]:
    decision = decide(snap, now)
    in_flight = running_rollout(snap.records.values())
    release = in_flight.release if in_flight else (snap.candidate.commit if snap.candidate else None)
    info = snap.releases.get(release) if release else None
    policy = info.policy if info else None
    regions: list[dict[str, Any]] = []
    names = [r.name for r in policy.regions] if policy else sorted({region for region, _ in snap.rings})
    for name in names:
        rings = {
            str(percent): {
                "release": tip.release[:12] if tip.release else None,
                "rolledBack": tip.rollback_of[:12] if tip.rollback_of else None,
                "since": tip.time.isoformat(),
            }
            for (region, percent), tip in sorted(snap.rings.items())
            if region == name
        }
        regions.append({"name": name, "rings": rings})
    rollout: dict[str, Any] | None = None
    if in_flight is not None and policy is not None:
        pos = position(snap, policy, in_flight.release)
        total = sum(len(r.steps) for r in policy.regions)
        done = 0 if pos is None else sum(len(r.steps) for r in policy.regions[: pos.region]) + pos.step + 1
        wait = next_evaluation(snap, now)
        evaluations = [e for e in in_flight.events if e.type == "evaluate"]
        rollout = {
            "id": in_flight.id,
            "release": in_flight.release,
            "state": rollout_state(snap, in_flight, now),
            "region": policy.regions[pos.region].name if pos else None,
            "step": policy.regions[pos.region].steps[pos.step] if pos else None,
            "stepsDone": done,
            "stepsTotal": total,
            "stepLanded": pos.landed.isoformat() if pos else None,
            "nextEvaluationSeconds": wait.total_seconds() if wait is not None else None,
            "lastChecks": [c.as_json() for c in evaluations[-1].checks] if evaluations else [],
        }
    return {
        "game": snap.game,
        "summary": decision.summary,
        "error": decision.error,
        "candidate": snap.candidate.commit if snap.candidate else None,
        "rollout": rollout,
        "regions": regions,
        "quarantined": sorted(q.release for q in snap.quarantine.values()),
    }


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total} steps"
