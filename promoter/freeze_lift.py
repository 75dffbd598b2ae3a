"""Lifting a freeze for one release (`hotswap approve --lift-freeze --reason TEXT`, or the API's
operator route): the explicit way out of a mistaken freeze. A release cannot delete the freeze that
holds it (pipeline.policy_bound keeps it); an operator can lift it, and the ledger records who and
why. The lift covers the windows in force when it is recorded (promoter.gates.held); a window that
starts later holds the release again."""

from __future__ import annotations

from datetime import datetime

from promoter import gates, rollout
from promoter.decide import DecisionError, find_record
from promoter.gitio import Remote
from promoter.model import LIFT_FREEZE, AppendEvents, Decision, Event, GameSnapshot, RolloutRecord
from promoter.reconcile import Clock, apply_with_retry, utc_now
from promoter.usecases import Result


def _held_release(snap: GameSnapshot, release: str | None) -> RolloutRecord:
    """The release the game's next deploy is of: the rollout in flight, else main's candidate."""
    running = rollout.in_flight(snap.records.values())
    if running is not None:
        record = running
    elif snap.candidate is not None:
        candidate = snap.candidate
        record = snap.records.get(candidate.commit) or RolloutRecord(snap.game, candidate.commit, candidate.tree)
    else:
        raise DecisionError(f"{snap.game}: no release to lift a freeze for")
    if release is not None and not (len(release) >= 7 and record.release.startswith(release.lower())):
        named = find_record(snap, release).release[:12]
        raise DecisionError(f"{snap.game}: {named} is not the release a freeze holds; {record.release[:12]} is")
    return record


def decide_lift_freeze(snap: GameSnapshot, now: datetime, reason: str, by: str, release: str | None = None) -> Decision:
    """Record a lift of the freeze that holds the game's release now. Raises DecisionError when no
    freeze holds it (and none was lifted before: asking again answers with the earlier lift)."""
    record = _held_release(snap, release)
    short = record.release[:12]
    freeze = gates.held(snap, record.release, now).freeze
    if freeze is None:
        prior = rollout.last(record.events, LIFT_FREEZE)
        if prior is None:
            raise DecisionError(f"{snap.game}: no freeze holds {short}; nothing to lift")
        return Decision(snap.game, f"the freeze was already lifted for {short} by {prior.by}; nothing to do")
    lift = Event(now, LIFT_FREEZE, outcome=f"lifted {freeze.summary}", reason=reason, by=by)
    return Decision(
        snap.game,
        f"lifted the freeze for {short} by {by} ({freeze.summary}): {reason}; it goes on at the next pass",
        (AppendEvents(snap.game, record.release, record.tree, (lift,)),),
    )


def lift_freeze(
    remote: Remote, game: str, reason: str, by: str, release: str | None = None, clock: Clock = utc_now
) -> Result:
    outcome = apply_with_retry(
        remote, game, lambda snap, now: decide_lift_freeze(snap, now, reason, by, release), clock
    )
    return Result(game, outcome, outcome.wrote)
