"""The rollout in flight at its step: paused, waiting for its next evaluation, or judged (promoted,
paused on a warning, held for more exposure, rolled back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pipeline.durations import format_duration
from pipeline.policy import RolloutPolicy
from promoter import rollout
from promoter.analysis import worst
from promoter.decision.records import append_events, short
from promoter.decision.rollback import rollback
from promoter.decision.stage import due_at, next_stage, position, region_evaluations, stage_of
from promoter.decision.step import step_to
from promoter.model import CheckResult, Decision, EvaluationRequest, Event, GameSnapshot, RolloutRecord, Wait
from promoter.strategies import Position, strategy_of


def advance(
    snap: GameSnapshot, record: RolloutRecord, now: datetime, evaluation: tuple[CheckResult, ...] | None
) -> Decision:
    game, release = snap.game, record.release
    info = snap.releases.get(release)
    if info is None or info.policy is None:
        why = (info.policy_problem if info else None) or "its RolloutPolicy cannot be read"
        return Decision(game, f"release {short(release)}: {why}; nothing moves", error=why)
    policy = info.policy
    pos = position(snap, policy, release)
    if pos is None:  # approved or recorded before its first deploy
        if info.problems:
            return Decision(
                game,
                f"release {short(release)} rejected: {info.problems[0]}",
                (append_events(snap, release, record.tree, Event(now, "reject", reason="; ".join(info.problems))),),
            )
        why = f"strategy {info.strategy_why}" if info.strategy_why else ""
        return step_to(snap, record, policy, next_stage(policy, None), now, (), why)

    region = policy.regions[pos.region]
    stage = stage_of(policy, pos)
    events = rollout.step_events(record, region.name, stage.step)
    paused = rollout.open_pause(events)
    if paused is not None:
        return Decision(
            game,
            f"paused at {stage.where}: {paused.reason}; `hotswap approve --game {game} --region {region.name}` continues",
            wait=Wait(release, record.tree, region.name, stage.step, paused.at, paused.reason, stage.label),
        )
    if not stage.judged:  # written with no evaluation (expedited): go on
        return step_to(snap, record, policy, next_stage(policy, pos), now, ())
    last_pause, last_approve = rollout.last(events, "pause"), rollout.last(events, "approve")
    if last_pause is not None and last_pause.outcome == "warning":
        # The warning was approved: a person accepted these numbers, go on.
        return step_to(
            snap,
            record,
            policy,
            next_stage(policy, pos),
            now,
            (),
            f"warning approved by {last_approve and last_approve.by}",
        )
    last_eval = rollout.last(events, "evaluate")
    if last_eval is not None and last_eval.outcome == "pass":
        return step_to(snap, record, policy, next_stage(policy, pos), now, ())

    due = due_at(events, pos, region, now)
    if now < due:
        return Decision(
            game,
            f"{short(release)} at {stage.where}: next evaluation in {format_duration(due - now)}",
        )
    if evaluation is None:
        return Decision(
            game,
            f"evaluating {short(release)} at {stage.where}",
            evaluate=EvaluationRequest(
                game,
                region.name,
                stage.step,
                release[:12],
                strategy_of(policy).baseline(snap, release, stage),
                policy,
                landed=pos.landed,
                history=region_evaluations(record, region.name),
            ),
        )
    return _judge(snap, record, policy, pos, events, now, evaluation)


def _judge(
    snap: GameSnapshot,
    record: RolloutRecord,
    policy: RolloutPolicy,
    pos: Position,
    events: Sequence[Event],
    now: datetime,
    results: tuple[CheckResult, ...],
) -> Decision:
    game, release = snap.game, record.release
    region = policy.regions[pos.region]
    step = stage_of(policy, pos).step
    verdict = worst(results)
    numbers = "; ".join(f"{r.name}: {r.message}" for r in results)
    evaluated = Event(now, "evaluate", region.name, step, verdict, numbers, results)
    where = stage_of(policy, pos).where

    if verdict == "critical":
        bad = [r for r in results if r.verdict == "critical"]
        reason = f"critical at {where}: " + "; ".join(f"{r.name} {r.message}" for r in bad)
        return rollback(snap, record, now, reason, evaluated, results)
    if verdict == "warning":
        warned = "; ".join(f"{r.name} {r.message}" for r in results if r.verdict == "warning")
        pause = Event(now, "pause", region.name, step, "warning", f"warning at {where}: {warned}")
        return Decision(
            game,
            f"paused {short(release)}: {pause.reason}",
            (append_events(snap, release, record.tree, evaluated, pause),),
        )
    if verdict == "hold":
        return _hold(snap, record, policy, pos, events, now, evaluated)
    if verdict in ("error", "inconclusive"):
        limit = policy.error_limit if verdict == "error" else policy.inconclusive_limit
        streak = 1 + _streak(events, verdict)
        what = "query errors" if verdict == "error" else "no data"
        appended: tuple[Event, ...] = (evaluated,)
        summary = f"{short(release)} at {where}: {verdict} ({what}, {streak} of {limit}); not promoting"
        if streak >= limit:
            pause = Event(
                now, "pause", region.name, step, verdict, f"{streak} evaluations in a row with {what} at {where}"
            )
            appended += (pause,)
            summary = f"paused {short(release)}: {pause.reason}"
        return Decision(game, summary, (append_events(snap, release, record.tree, *appended),))
    return step_to(snap, record, policy, next_stage(policy, pos), now, (evaluated,))


def _hold(
    snap: GameSnapshot,
    record: RolloutRecord,
    policy: RolloutPolicy,
    pos: Position,
    events: Sequence[Event],
    now: datetime,
    evaluated: Event,
) -> Decision:
    """The judge needs more exposure: not promoted, evaluated again after another interval. A step
    holding past maxDuration (counted from when it landed, or from its last approval) pauses as
    inconclusive with the numbers; approving it evaluates again and grants another maxDuration."""
    region = policy.regions[pos.region]
    stage = stage_of(policy, pos)
    approved = rollout.last(events, "approve")
    held = now - max(pos.landed, approved.at if approved is not None else pos.landed)
    needs = "; ".join(_needs(r) for r in evaluated.checks if r.verdict == "hold")
    name = short(record.release)
    if held < policy.judge.max_duration:
        summary = f"{name} at {stage.where}: holding ({needs}); evaluated again in {format_duration(region.interval)}"
        return Decision(snap.game, summary, (append_events(snap, record.release, record.tree, evaluated),))
    reason = f"{stage.plain} still holds after {format_duration(held)}: {needs}"
    pause = Event(now, "pause", region.name, evaluated.step, "inconclusive", reason)
    return Decision(
        snap.game, f"paused {name}: {reason}", (append_events(snap, record.release, record.tree, evaluated, pause),)
    )


def _needs(result: CheckResult) -> str:
    need = result.evidence.get("need") if result.evidence is not None else None
    if isinstance(need, dict) and not need.get("met") and isinstance(need.get("text"), str):
        return f"{result.name} {need['text']}"
    return f"{result.name} {result.message}"


def _streak(events: Sequence[Event], verdict: str) -> int:
    """Evaluations in a row with this verdict at the step, since its last approval."""
    count = 0
    for event in reversed(events):
        if event.type == "approve":
            break
        if event.type == "evaluate":
            if event.outcome != verdict:
                break
            count += 1
    return count
