"""Moving a release to its next stage: the region's approval gate, freezes and schedules, the
strategy's writes, and completion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contract.instants import format_instant
from pipeline.policy import RolloutPolicy
from promoter import gates, rollout
from promoter.decision.records import append_events, short
from promoter.model import (
    Action,
    Decision,
    Event,
    GameSnapshot,
    RolloutRecord,
    TagRelease,
    Wait,
    WriteGreen,
    WriteRings,
)
from promoter.strategies import Position, strategy_of
from promoter.strategies import base as stages


def step_to(
    snap: GameSnapshot,
    record: RolloutRecord,
    policy: RolloutPolicy,
    target: tuple[int, int] | None,
    now: datetime,
    before: tuple[Event, ...],
    why: str = "",
) -> Decision:
    game, release = snap.game, record.release
    if target is None:
        done = Event(now, "complete", reason="every region at 100%")
        return Decision(
            game,
            f"{short(release)} reached 100% in every region: tagged",
            (append_events(snap, release, record.tree, *before, done), TagRelease(game, release)),
        )
    strategy = strategy_of(policy)
    region = policy.regions[target[0]]
    stage = stages.stage_at(strategy, policy, *target)
    if stage.gated and not rollout.gate_open(record, region.name, region.approval):
        summary = f"{short(release)} awaits approval for {region.name}: `hotswap approve --game {game} --region {region.name}`"
        return Decision(
            game,
            summary,
            (append_events(snap, release, record.tree, *before),) if before else (),
            wait=Wait(release, record.tree, region.name, None, None, "approval: required"),
        )
    block = gates.held(snap, release, now).block
    if block is not None:  # a freeze or a schedule: no deploy now; what was decided before is recorded
        summary = f"{block.summary}; {short(release)} waits before {stage.where}"
        return Decision(game, summary, (append_events(snap, release, record.tree, *before),) if before else ())
    writes = strategy.writes(snap, policy, release, record.tree, stage, now)
    deployed = Event(now, "deploy", region.name, stage.step, reason=why)
    summary = f"{short(release)} → {stage.where} ({_refs(writes)})" + (f": {why}" if why else "")
    if not stage.judged and stages.next_stage(strategy, policy, Position(*target, now)) is None:
        done = Event(now, "complete", reason=f"{stage.label}: every region at 100%")
        return Decision(
            game,
            f"{summary}; complete: tagged",
            (*writes, append_events(snap, release, record.tree, *before, deployed, done), TagRelease(game, release)),
        )
    return Decision(game, summary, (*writes, append_events(snap, release, record.tree, *before, deployed)))


def _refs(writes: Sequence[Action]) -> str:
    """`3 ring(s)`, `green`, `2 ring(s), switch at 2026-11-29T18:00:05.000Z`."""
    parts: list[str] = []
    for action in writes:
        if isinstance(action, WriteRings):
            parts.append(f"{len(action.rings)} ring(s)")
            if action.switch_at is not None:
                parts.append(f"switch at {format_instant(action.switch_at)}")
        elif isinstance(action, WriteGreen):
            parts.append("green")
    return ", ".join(parts)
