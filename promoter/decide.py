"""The promoter's decisions: pure functions from a game's snapshot, check results and `now`.

Where a rollout stands is never stored: it is read off the ring branches (which step carries the
release) and the rollout's record in the ledger (evaluations, pauses, approvals).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from promoter import green, rollout
from promoter.decision.advance import advance
from promoter.decision.records import DecisionError, append_events, find_record, names_release, record_of, serves, short
from promoter.decision.rollback import decide_rollback, rollback
from promoter.decision.stage import next_evaluation, position, region_evaluations, stage_of
from promoter.model import (
    CheckResult,
    Decision,
    Event,
    GameSnapshot,
    RevertMain,
    RolloutRecord,
    TagRelease,
    Wait,
    WriteRings,
    approval_path,
)

__all__ = [
    "DecisionError",
    "decide",
    "decide_approve",
    "decide_reject",
    "decide_rollback",
    "find_record",
    "next_evaluation",
    "position",
    "region_evaluations",
    "rollback",
    "rollout_state",
    "stage_of",
]


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
    record = record_of(snap, wait.release, wait.tree).appended(approve)
    after = _decide(replace(snap, records={**snap.records, wait.release: record}), now, evaluation)
    recorded = append_events(snap, wait.release, wait.tree, approve)
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
    record = record_of(snap, wait.release, wait.tree)
    if serves(snap, wait.release):
        return rollback(snap, record, now, reason, by=by)
    ended = Event(now, "reject", wait.region, wait.step, reason=reason, by=by)
    return Decision(
        snap.game, f"{short(wait.release)} rejected: {reason}", (append_events(snap, wait.release, wait.tree, ended),)
    )


def _decide(snap: GameSnapshot, now: datetime, evaluation: tuple[CheckResult, ...] | None) -> Decision:
    game = snap.game
    running = rollout.in_flight(snap.records.values())
    if running is not None:
        return advance(snap, running, now, evaluation)

    candidate = snap.candidate
    if candidate is None:
        return Decision(game, "no configs for this game on main")
    info = snap.releases.get(candidate.commit)
    policy = info.policy if info else None
    if info is not None and info.policy_problem:
        return Decision(game, f"release {short(candidate.commit)}: {info.policy_problem}", error=info.policy_problem)
    if not snap.rings:
        return _bootstrap(snap, now)
    served = {tip.tree for (_, ring), tip in snap.rings.items() if ring == 100}
    if served == {candidate.tree}:
        return Decision(game, f"up to date: every region serves {short(_serving_release(snap))}")
    done = snap.records.get(candidate.commit)
    if done is not None and done.ended is not None:
        return Decision(game, f"release {short(candidate.commit)} ended ({done.ended.type}); waiting for a new commit")
    quarantined = next((q for q in snap.quarantine.values() if q.tree == candidate.tree), None)
    if quarantined is not None:
        return Decision(
            game,
            f"main still holds the config of quarantined release {short(quarantined.release)}; "
            "waiting for it to be reverted",
        )
    if info is None or policy is None or info.problems:
        problems = info.problems if info else ("the release could not be read",)
        return Decision(
            game,
            f"release {short(candidate.commit)} rejected: {problems[0]}",
            (append_events(snap, candidate.commit, candidate.tree, Event(now, "reject", reason="; ".join(problems))),),
        )
    return advance(snap, record_of(snap, candidate.commit, candidate.tree), now, evaluation)


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
            f"cannot bootstrap {short(candidate.commit)}: {problems[0]}",
            (append_events(snap, candidate.commit, candidate.tree, Event(now, "reject", reason="; ".join(problems))),),
        )
    policy = info.policy
    rings = tuple((region.name, ring) for region in policy.regions for ring in policy.rings)
    return Decision(
        snap.game,
        f"bootstrap: {short(candidate.commit)} to all {len(rings)} rings",
        (
            WriteRings(snap.game, candidate.commit, candidate.tree, "bootstrap/100", rings),
            append_events(
                snap, candidate.commit, candidate.tree, Event(now, "bootstrap", reason="first release of the game")
            ),
            TagRelease(snap.game, candidate.commit),
        ),
    )


def rollout_state(snap: GameSnapshot, record: RolloutRecord, now: datetime) -> rollout.RolloutState:
    """The state the CLI, the API and the page show: how it ended, or what the running rollout waits for."""
    ended = rollout.ended_state(record)
    if ended is not None:
        return ended
    wait = decide(snap, now).wait
    if wait is None or wait.release != record.release:
        return "in-progress"
    return "awaiting-approval" if wait.step is None else "paused"


def decide_approve(
    snap: GameSnapshot, now: datetime, region_name: str, by: str, release: str | None = None
) -> Decision:
    """Approve exactly what the game's rollout waits for (`decide`'s `wait`): a paused step or a
    region's gate, in `region_name`, and of `release` when one is named."""
    wait = decide(snap, now).wait
    if release is not None and not (wait is not None and names_release(release, wait.release)):
        record = find_record(snap, release)
        state = rollout.ended_state(record)
        raise DecisionError(
            f"{snap.game}: release {short(record.release)} waits for no approval"
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
    return Decision(snap.game, f"approved {where} by {by}", (append_events(snap, wait.release, wait.tree, approve),))


def _serving_release(snap: GameSnapshot) -> str | None:
    tip = next((t for (_, ring), t in sorted(snap.rings.items()) if ring == 100), None)
    return tip.release if tip else None
