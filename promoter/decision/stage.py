"""Where a rollout stands (the stage its strategy last wrote) and when its step is judged next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pipeline.policy import Region, RolloutPolicy
from promoter import rollout
from promoter.model import Event, GameSnapshot, RolloutRecord
from promoter.strategies import Position, Stage, strategy_of
from promoter.strategies import base as stages


def position(snap: GameSnapshot, policy: RolloutPolicy, release: str) -> Position | None:
    """The last stage written for a release (its policy's strategy reads the refs)."""
    return stages.position(strategy_of(policy), snap, policy, release)


def next_stage(policy: RolloutPolicy, pos: Position | None) -> tuple[int, int] | None:
    return stages.next_stage(strategy_of(policy), policy, pos)


def stage_of(policy: RolloutPolicy, pos: Position) -> Stage:
    return stages.stage_at(strategy_of(policy), policy, pos.region, pos.step)


def region_evaluations(record: RolloutRecord, region: str) -> tuple[Event, ...]:
    """The release's evaluations in the region, oldest first: the judge's evidence carries across
    the region's steps and starts afresh in the next region."""
    return tuple(e for e in record.events if e.type == "evaluate" and e.region == region)


def due_at(events: Sequence[Event], pos: Position, region: Region, now: datetime) -> datetime:
    """When the step is judged next: an interval after it landed or after its last evaluation,
    or at once after an approval that came since."""
    last_eval, last_approve = rollout.last(events, "evaluate"), rollout.last(events, "approve")
    if last_approve is not None and (last_eval is None or last_approve.at > last_eval.at):
        return now
    return (pos.landed if last_eval is None else last_eval.at) + region.interval


def next_evaluation(snap: GameSnapshot, now: datetime) -> timedelta | None:
    """How long until the step in flight is judged (for `status`); None when nothing waits on time."""
    record = rollout.in_flight(snap.records.values())
    info = snap.releases.get(record.release) if record else None
    if record is None or info is None or info.policy is None:
        return None
    pos = position(snap, info.policy, record.release)
    if pos is None:
        return None
    region = info.policy.regions[pos.region]
    stage = stage_of(info.policy, pos)
    events = rollout.step_events(record, region.name, stage.step)
    last_pause, last_eval = rollout.last(events, "pause"), rollout.last(events, "evaluate")
    judged = last_eval is not None and last_eval.outcome == "pass"
    if judged or last_pause is not None or not stage.judged:  # waiting for a person, or already past this step
        return None
    return max(timedelta(0), due_at(events, pos, region, now) - now)
