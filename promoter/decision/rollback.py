"""Rolling a release back: the automatic rollback on a critical verdict and a person's, on one path."""

from __future__ import annotations

from datetime import datetime

from contract.instants import format_instant
from pipeline.policy import BlueGreen as BlueGreenSettings
from promoter import rollout
from promoter.decision.records import DecisionError, append_events, find_record, serves, short
from promoter.model import (
    Action,
    CheckResult,
    Decision,
    Event,
    GameSnapshot,
    Quarantine,
    QuarantineRecord,
    RevertMain,
    RevertRings,
    RolloutRecord,
)
from promoter.strategies import base as stages
from promoter.strategies import strategy_of
from promoter.strategies.bluegreen import switch_back


def rollback(
    snap: GameSnapshot,
    record: RolloutRecord,
    now: datetime,
    reason: str,
    evaluated: Event | None = None,
    results: tuple[CheckResult, ...] = (),
    by: str | None = None,
) -> Decision:
    """Revert every ref that serves the release (the strategy says which: rings, and for blue-green
    the green refs, switched back at one instant), quarantine it, and ask for the revert on main."""
    game, release = snap.game, record.release
    reverts = _reverts(snap, release, reason, now)
    events = (*((evaluated,) if evaluated else ()), Event(now, "rollback", reason=reason, checks=results, by=by))
    actions: list[Action] = [
        reverts,
        append_events(snap, release, record.tree, *events),
        Quarantine(QuarantineRecord(game, release, record.tree, now, reason, results)),
    ]
    if release not in snap.main_reverted:
        actions.append(RevertMain(game, release, reason))
    where = f"{len(reverts.rings)} ring(s)" + (f" and {len(reverts.green)} green ref(s)" if reverts.green else "")
    if reverts.switch_at is not None:
        where += f", switching back at {format_instant(reverts.switch_at)}"
    return Decision(game, f"rollback of {short(release)} on {where}: {reason}", tuple(actions))


def _reverts(snap: GameSnapshot, release: str, reason: str, now: datetime) -> RevertRings:
    """What a rollback of the release writes, as its strategy says. A completed release whose policy
    the snapshot does not hold is read off the refs: a green ref serving it means blue-green."""
    info = snap.releases.get(release)
    if info is not None and info.policy is not None:
        return strategy_of(info.policy).reverts(snap, info.policy, release, reason, now)
    if any(t.release == release for t in snap.green.values()):
        return switch_back(snap, release, reason, now, BlueGreenSettings().switch_lead)
    return RevertRings(snap.game, release, reason, stages.ring_reverts(snap, release))


def decide_rollback(snap: GameSnapshot, now: datetime, reason: str, by: str, release: str | None = None) -> Decision:
    """A person's rollback, on the same path as the automatic one. Without `release` it acts only on
    the rollout in flight; undoing a release that completed must name it (`release`)."""
    if release is None:
        record = rollout.in_flight(snap.records.values())
        if record is None:
            done = _last_completed(snap)
            hint = "" if done is None else f"; to undo the completed release {short(done.release)}, name it (--release)"
            raise DecisionError(f"{snap.game}: no rollout in flight{hint}")
    else:
        record = find_record(snap, release)
        state = rollout.ended_state(record)
        if state not in (None, "succeeded"):
            raise DecisionError(f"{snap.game}: release {short(record.release)} has ended: {state}")
    if not serves(snap, record.release):
        raise DecisionError(f"{snap.game}: no ring serves {short(record.release)}; nothing to roll back")
    reverts = _reverts(snap, record.release, reason, now)
    if not reverts.rings and not reverts.green:
        raise DecisionError(
            f"{snap.game}: {short(record.release)} is the first release of the game; nothing to return to"
        )
    return rollback(snap, record, now, f"manual rollback by {by}: {reason}", by=by)


def _last_completed(snap: GameSnapshot) -> RolloutRecord | None:
    done = [r for r in snap.records.values() if rollout.ended_state(r) == "succeeded" and r.events]
    return max(done, key=lambda r: r.events[-1].at) if done else None
