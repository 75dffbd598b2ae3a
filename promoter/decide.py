"""The promoter's decisions: pure functions from a game's snapshot, check results and `now`.

Where a rollout stands is never stored: it is read off the ring branches (which step carries the
release) and the rollout's record in the ledger (evaluations, pauses, approvals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from contract.errors import Refused
from contract.instants import format_instant
from pipeline.durations import format_duration
from pipeline.policy import BlueGreen as BlueGreenSettings
from pipeline.policy import Region, RolloutPolicy
from promoter import gates, green, rollout
from promoter.analysis import worst
from promoter.model import (
    Action,
    AppendEvents,
    CheckResult,
    Decision,
    EvaluationRequest,
    Event,
    GameSnapshot,
    Quarantine,
    QuarantineRecord,
    RevertMain,
    RevertRings,
    RolloutRecord,
    TagRelease,
    Wait,
    WriteGreen,
    WriteRings,
    approval_path,
)
from promoter.strategies import Position, Stage, strategy_of
from promoter.strategies import base as stages
from promoter.strategies.bluegreen import switch_back


class DecisionError(Refused):
    """A command asked for something the state does not allow (approve with nothing waiting, ...)."""


def position(snap: GameSnapshot, policy: RolloutPolicy, release: str) -> Position | None:
    """The last stage written for a release (its policy's strategy reads the refs)."""
    return stages.position(strategy_of(policy), snap, policy, release)


def _next(policy: RolloutPolicy, pos: Position | None) -> tuple[int, int] | None:
    return stages.next_stage(strategy_of(policy), policy, pos)


def stage_of(policy: RolloutPolicy, pos: Position) -> Stage:
    return stages.stage_at(strategy_of(policy), policy, pos.region, pos.step)


def _record(snap: GameSnapshot, release: str, tree: str) -> RolloutRecord:
    return snap.records.get(release) or RolloutRecord(snap.game, release, tree)


def _events(snap: GameSnapshot, release: str, tree: str, *events: Event) -> AppendEvents:
    return AppendEvents(snap.game, release, tree, events)


def decide(snap: GameSnapshot, now: datetime, evaluation: tuple[CheckResult, ...] | None = None) -> Decision:
    """What to do for one game now. Asks for an evaluation (Decision.evaluate) when one is due."""
    decision = _approved_on_main(snap, now, evaluation, _decide(snap, now, evaluation))
    if decision.evaluate is not None:  # decided again with the evaluation: the writes come then
        return decision
    # A rolled-back release whose revert on main is not yet recorded: (re)try it with this pass.
    pending = tuple(
        RevertMain(snap.game, r.release, r.ended.reason)
        for r in snap.records.values()
        if r.ended is not None and r.ended.type == "rollback" and r.release not in snap.main_reverted
    )
    # Green refs no rollout deploys once this decision is written (the release completed, ended, or
    # another runs): dropped in the same push, so the green pool follows its ring again.
    dropped = green.drops(snap, decision.actions)
    if not pending and not dropped:
        return decision
    return replace(
        decision, summary=decision.summary + green.summary(dropped), actions=(*decision.actions, *dropped, *pending)
    )


def _approved_on_main(
    snap: GameSnapshot, now: datetime, evaluation: tuple[CheckResult, ...] | None, decision: Decision
) -> Decision:
    """Approval by merge: an approval file on main naming exactly what the rollout waits for is an
    approval, recorded like `hotswap approve`; the rollout goes on in the same decision."""
    wait = decision.wait
    if wait is None or snap.approvals.get((wait.release, wait.region)) != wait.key:
        return decision
    by = f"merge of {approval_path(snap.game, wait.release, wait.region)} on main"
    approve = _approval_event(wait, now, by)
    record = _record(snap, wait.release, wait.tree).appended(approve)
    after = _decide(replace(snap, records={**snap.records, wait.release: record}), now, evaluation)
    recorded = _events(snap, wait.release, wait.tree, approve)
    summary = f"approved {wait.region} by {by}; {after.summary}"
    if after.evaluate is not None:
        return replace(after, summary=summary)  # decided again with the evaluation, approval included
    return replace(after, summary=summary, actions=(recorded, *after.actions))


def _approval_event(wait: Wait, now: datetime, by: str) -> Event:
    if wait.step is None:
        return Event(now, "approve", wait.region, reason="region gate", by=by)
    return Event(now, "approve", wait.region, wait.step, reason=f"resumes: {wait.reason}", by=by)


def decide_reject(snap: GameSnapshot, now: datetime, wait_key: str, by: str, why: str) -> Decision:
    """A person said no to what the rollout waits for (an approval pull request closed unmerged):
    roll the release back where it runs, or end it where it never ran."""
    wait = decide(snap, now).wait
    if wait is None or wait.key != wait_key:
        raise DecisionError(f"{snap.game}: the rollout no longer waits for {wait_key}")
    reason = f"approval of {wait.region} rejected by {by}: {why}"
    record = _record(snap, wait.release, wait.tree)
    if _serves(snap, wait.release):
        return rollback(snap, record, now, reason, by=by)
    ended = Event(now, "reject", wait.region, wait.step, reason=reason, by=by)
    return Decision(
        snap.game, f"{_short(wait.release)} rejected: {reason}", (_events(snap, wait.release, wait.tree, ended),)
    )


def _decide(snap: GameSnapshot, now: datetime, evaluation: tuple[CheckResult, ...] | None) -> Decision:
    game = snap.game
    running = rollout.in_flight(snap.records.values())
    if running is not None:
        return _advance(snap, running, now, evaluation)

    candidate = snap.candidate
    if candidate is None:
        return Decision(game, "no configs for this game on main")
    info = snap.releases.get(candidate.commit)
    policy = info.policy if info else None
    if info is not None and info.policy_problem:
        return Decision(game, f"release {_short(candidate.commit)}: {info.policy_problem}", error=info.policy_problem)
    if not snap.rings:
        return _bootstrap(snap, now)
    served = {tip.tree for (_, ring), tip in snap.rings.items() if ring == 100}
    if served == {candidate.tree}:
        return Decision(game, f"up to date: every region serves {_short(_serving_release(snap))}")
    done = snap.records.get(candidate.commit)
    if done is not None and done.ended is not None:
        return Decision(game, f"release {_short(candidate.commit)} ended ({done.ended.type}); waiting for a new commit")
    quarantined = next((q for q in snap.quarantine.values() if q.tree == candidate.tree), None)
    if quarantined is not None:
        return Decision(
            game,
            f"main still holds the config of quarantined release {_short(quarantined.release)}; "
            "waiting for it to be reverted",
        )
    if info is None or policy is None or info.problems:
        problems = info.problems if info else ("the release could not be read",)
        return Decision(
            game,
            f"release {_short(candidate.commit)} rejected: {problems[0]}",
            (_events(snap, candidate.commit, candidate.tree, Event(now, "reject", reason="; ".join(problems))),),
        )
    return _advance(snap, _record(snap, candidate.commit, candidate.tree), now, evaluation)


def _bootstrap(snap: GameSnapshot, now: datetime) -> Decision:
    """No ring branch exists yet: the game's current config goes to every ring at once (there is
    no baseline to canary against). Recorded, and tagged as a release that reached 100%."""
    candidate = snap.candidate
    assert candidate is not None
    info = snap.releases.get(candidate.commit)
    if info is None or info.policy is None or info.problems:
        problems = info.problems if info else ("the release could not be read",)
        return Decision(
            snap.game,
            f"cannot bootstrap {_short(candidate.commit)}: {problems[0]}",
            (_events(snap, candidate.commit, candidate.tree, Event(now, "reject", reason="; ".join(problems))),),
        )
    policy = info.policy
    rings = tuple((region.name, ring) for region in policy.regions for ring in policy.rings)
    return Decision(
        snap.game,
        f"bootstrap: {_short(candidate.commit)} to all {len(rings)} rings",
        (
            WriteRings(snap.game, candidate.commit, candidate.tree, "bootstrap/100", rings),
            _events(
                snap, candidate.commit, candidate.tree, Event(now, "bootstrap", reason="first release of the game")
            ),
            TagRelease(snap.game, candidate.commit),
        ),
    )


def _advance(
    snap: GameSnapshot, record: RolloutRecord, now: datetime, evaluation: tuple[CheckResult, ...] | None
) -> Decision:
    game, release = snap.game, record.release
    info = snap.releases.get(release)
    if info is None or info.policy is None:
        why = (info.policy_problem if info else None) or "its RolloutPolicy cannot be read"
        return Decision(game, f"release {_short(release)}: {why}; nothing moves", error=why)
    policy = info.policy
    pos = position(snap, policy, release)
    if pos is None:  # approved or recorded before its first deploy
        if info.problems:
            return Decision(
                game,
                f"release {_short(release)} rejected: {info.problems[0]}",
                (_events(snap, release, record.tree, Event(now, "reject", reason="; ".join(info.problems))),),
            )
        why = f"strategy {info.strategy_why}" if info.strategy_why else ""
        return _step_to(snap, record, policy, _next(policy, None), now, (), why)

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
        return _step_to(snap, record, policy, _next(policy, pos), now, ())
    last_pause, last_approve = _last(events, "pause"), _last(events, "approve")
    if last_pause is not None and last_pause.outcome == "warning":
        # The warning was approved: a person accepted these numbers, go on.
        return _step_to(
            snap, record, policy, _next(policy, pos), now, (), f"warning approved by {last_approve and last_approve.by}"
        )
    last_eval = _last(events, "evaluate")
    if last_eval is not None and last_eval.outcome == "pass":
        return _step_to(snap, record, policy, _next(policy, pos), now, ())

    due = _due(events, pos, region, now)
    if now < due:
        return Decision(
            game,
            f"{_short(release)} at {stage.where}: next evaluation in {format_duration(due - now)}",
        )
    if evaluation is None:
        return Decision(
            game,
            f"evaluating {_short(release)} at {stage.where}",
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
            game, f"paused {_short(release)}: {pause.reason}", (_events(snap, release, record.tree, evaluated, pause),)
        )
    if verdict == "hold":
        return _hold(snap, record, policy, pos, events, now, evaluated)
    if verdict in ("error", "inconclusive"):
        limit = policy.error_limit if verdict == "error" else policy.inconclusive_limit
        streak = 1 + _streak(events, verdict)
        what = "query errors" if verdict == "error" else "no data"
        appended: tuple[Event, ...] = (evaluated,)
        summary = f"{_short(release)} at {where}: {verdict} ({what}, {streak} of {limit}); not promoting"
        if streak >= limit:
            pause = Event(
                now, "pause", region.name, step, verdict, f"{streak} evaluations in a row with {what} at {where}"
            )
            appended += (pause,)
            summary = f"paused {_short(release)}: {pause.reason}"
        return Decision(game, summary, (_events(snap, release, record.tree, *appended),))
    return _step_to(snap, record, policy, _next(policy, pos), now, (evaluated,))


def region_evaluations(record: RolloutRecord, region: str) -> tuple[Event, ...]:
    """The release's evaluations in the region, oldest first: the judge's evidence carries across
    the region's steps and starts afresh in the next region."""
    return tuple(e for e in record.events if e.type == "evaluate" and e.region == region)


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
    approved = _last(events, "approve")
    held = now - max(pos.landed, approved.at if approved is not None else pos.landed)
    needs = "; ".join(_needs(r) for r in evaluated.checks if r.verdict == "hold")
    short = _short(record.release)
    if held < policy.judge.max_duration:
        summary = f"{short} at {stage.where}: holding ({needs}); evaluated again in {format_duration(region.interval)}"
        return Decision(snap.game, summary, (_events(snap, record.release, record.tree, evaluated),))
    reason = f"{stage.plain} still holds after {format_duration(held)}: {needs}"
    pause = Event(now, "pause", region.name, evaluated.step, "inconclusive", reason)
    return Decision(
        snap.game, f"paused {short}: {reason}", (_events(snap, record.release, record.tree, evaluated, pause),)
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


def _step_to(
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
            f"{_short(release)} reached 100% in every region: tagged",
            (_events(snap, release, record.tree, *before, done), TagRelease(game, release)),
        )
    strategy = strategy_of(policy)
    region = policy.regions[target[0]]
    stage = stages.stage_at(strategy, policy, *target)
    if stage.gated and not rollout.gate_open(record, region.name, region.approval):
        summary = f"{_short(release)} awaits approval for {region.name}: `hotswap approve --game {game} --region {region.name}`"
        return Decision(
            game,
            summary,
            (_events(snap, release, record.tree, *before),) if before else (),
            wait=Wait(release, record.tree, region.name, None, None, "approval: required"),
        )
    block = gates.held(snap, release, now).block
    if block is not None:  # a freeze or a schedule: no deploy now; what was decided before is recorded
        summary = f"{block.summary}; {_short(release)} waits before {stage.where}"
        return Decision(game, summary, (_events(snap, release, record.tree, *before),) if before else ())
    writes = strategy.writes(snap, policy, release, record.tree, stage, now)
    deployed = Event(now, "deploy", region.name, stage.step, reason=why)
    summary = f"{_short(release)} → {stage.where} ({_refs(writes)})" + (f": {why}" if why else "")
    if not stage.judged and stages.next_stage(strategy, policy, Position(*target, now)) is None:
        done = Event(now, "complete", reason=f"{stage.label}: every region at 100%")
        return Decision(
            game,
            f"{summary}; complete: tagged",
            (*writes, _events(snap, release, record.tree, *before, deployed, done), TagRelease(game, release)),
        )
    return Decision(game, summary, (*writes, _events(snap, release, record.tree, *before, deployed)))


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


def _serves(snap: GameSnapshot, release: str) -> bool:
    """Some ring or green ref serves the release (deployed it, or was reverted back to it)."""
    return any(t.release == release for t in (*snap.rings.values(), *snap.green.values()))


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
        _events(snap, release, record.tree, *events),
        Quarantine(QuarantineRecord(game, release, record.tree, now, reason, results)),
    ]
    if release not in snap.main_reverted:
        actions.append(RevertMain(game, release, reason))
    where = f"{len(reverts.rings)} ring(s)" + (f" and {len(reverts.green)} green ref(s)" if reverts.green else "")
    if reverts.switch_at is not None:
        where += f", switching back at {format_instant(reverts.switch_at)}"
    return Decision(game, f"rollback of {_short(release)} on {where}: {reason}", tuple(actions))


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
            hint = (
                "" if done is None else f"; to undo the completed release {_short(done.release)}, name it (--release)"
            )
            raise DecisionError(f"{snap.game}: no rollout in flight{hint}")
    else:
        record = find_record(snap, release)
        state = rollout.ended_state(record)
        if state not in (None, "succeeded"):
            raise DecisionError(f"{snap.game}: release {_short(record.release)} has ended: {state}")
    if not _serves(snap, record.release):
        raise DecisionError(f"{snap.game}: no ring serves {_short(record.release)}; nothing to roll back")
    reverts = _reverts(snap, record.release, reason, now)
    if not reverts.rings and not reverts.green:
        raise DecisionError(
            f"{snap.game}: {_short(record.release)} is the first release of the game; nothing to return to"
        )
    return rollback(snap, record, now, f"manual rollback by {by}: {reason}", by=by)


def rollout_state(snap: GameSnapshot, record: RolloutRecord, now: datetime) -> rollout.RolloutState:
    """The state the CLI, the API and the page show: how it ended, or what the running rollout waits for."""
    ended = rollout.ended_state(record)
    if ended is not None:
        return ended
    wait = decide(snap, now).wait
    if wait is None or wait.release != record.release:
        return "in-progress"
    return "awaiting-approval" if wait.step is None else "paused"


def find_record(snap: GameSnapshot, release: str) -> RolloutRecord:
    """The game's rollout of `release` (a full sha, or a prefix of at least 7 hex digits)."""
    wanted = release.lower()
    matches = [r for r in snap.records.values() if _names(wanted, r.release)]
    if len(matches) != 1:
        what = "is ambiguous" if matches else "has no rollout"
        raise DecisionError(f"{snap.game}: release {release!r} {what}")
    return matches[0]


def _names(given: str, release: str) -> bool:
    return len(given) >= 7 and release.startswith(given.lower())


def _last_completed(snap: GameSnapshot) -> RolloutRecord | None:
    done = [r for r in snap.records.values() if rollout.ended_state(r) == "succeeded" and r.events]
    return max(done, key=lambda r: r.events[-1].at) if done else None


def decide_approve(
    snap: GameSnapshot, now: datetime, region_name: str, by: str, release: str | None = None
) -> Decision:
    """Approve exactly what the game's rollout waits for (`decide`'s `wait`): a paused step or a
    region's gate, in `region_name`, and of `release` when one is named."""
    wait = decide(snap, now).wait
    if release is not None and not (wait is not None and _names(release, wait.release)):
        record = find_record(snap, release)
        state = rollout.ended_state(record)
        raise DecisionError(
            f"{snap.game}: release {_short(record.release)} waits for no approval"
            + (f": it has ended ({state})" if state else "")
        )
    if wait is None:
        raise DecisionError(f"{snap.game}: nothing waits for an approval")
    if wait.region != region_name:
        what = "its approval gate" if wait.step is None else f"a paused step ({wait.label or f'{wait.step}%'})"
        raise DecisionError(
            f"{snap.game}: nothing in {region_name} waits for an approval; the rollout waits for {what} in {wait.region}"
        )
    approve = _approval_event(wait, now, by)
    where = f"region {region_name}" if wait.step is None else f"{region_name}/{wait.label or f'{wait.step}%'}"
    return Decision(snap.game, f"approved {where} by {by}", (_events(snap, wait.release, wait.tree, approve),))


_last = rollout.last


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "nothing"


def _serving_release(snap: GameSnapshot) -> str | None:
    tip = next((t for (_, ring), t in sorted(snap.rings.items()) if ring == 100), None)
    return tip.release if tip else None


def _due(events: Sequence[Event], pos: Position, region: Region, now: datetime) -> datetime:
    """When the step is judged next: an interval after it landed or after its last evaluation,
    or at once after an approval that came since."""
    last_eval, last_approve = _last(events, "evaluate"), _last(events, "approve")
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
    last_pause, last_eval = _last(events, "pause"), _last(events, "evaluate")
    judged = last_eval is not None and last_eval.outcome == "pass"
    if judged or last_pause is not None or not stage.judged:  # waiting for a person, or already past this step
        return None
    return max(timedelta(0), _due(events, pos, region, now) - now)
