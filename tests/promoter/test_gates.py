"""Freeze windows and scheduled releases on plain values: the gates, the trailers, and what decide
writes (nothing) while a gate is shut."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from contract.trailers import EVENT_STOP, NOT_BEFORE
from pipeline.strategy_rules import FreezeWindow, windows_crossed
from pipeline.strategy_select import Touched
from promoter.decide import DecisionError, decide, decide_approve, decide_rollback
from promoter.freeze_lift import decide_lift_freeze
from promoter.gates import blocked, freeze_at, held
from promoter.model import (
    LIFT_FREEZE,
    AppendEvents,
    CheckResult,
    Event,
    GameSnapshot,
    ReleaseInfo,
    RevertRings,
    RolloutRecord,
    StopLayer,
    WriteRings,
)
from promoter.release_strategy import selected, served_before
from tests.promoter.snapshots import NEW, NEWER, OLD, POLICY, T0, at_step, snap, tip

H = timedelta(hours=1)
XMAS = FreezeWindow(T0, T0 + 2 * H, "holiday")
LATE = FreezeWindow(T0 + 2 * H, T0 + 3 * H, "maintenance")  # touches XMAS
APART = FreezeWindow(T0 + 5 * H, T0 + 6 * H, "tournament")
FROZEN = replace(POLICY, freeze=(XMAS, LATE, APART))


@pytest.mark.parametrize(
    ("now", "until", "reason"),
    [
        (T0 - timedelta(microseconds=1), None, None),  # just before a window
        (T0, T0 + 3 * H, "holiday; maintenance"),  # the start is inside; touching windows chain
        (T0 + 2 * H - timedelta(seconds=1), T0 + 3 * H, "holiday; maintenance"),
        (T0 + 2 * H, T0 + 3 * H, "maintenance"),
        (T0 + 3 * H, None, None),  # the end is outside
        (T0 + 5 * H + timedelta(minutes=1), T0 + 6 * H, "tournament"),
    ],
)
def test_freeze_windows_at_their_edges(now: datetime, until: datetime | None, reason: str | None) -> None:
    block = freeze_at(FROZEN.freeze, now)
    assert (block.until if block else None) == until
    assert (block.reason if block else None) == reason


def test_overlapping_windows_freeze_their_union() -> None:
    inner = FreezeWindow(T0 + H, T0 + 4 * H, "patch day")
    block = freeze_at((XMAS, inner), T0 + timedelta(minutes=10))
    assert block is not None and block.until == T0 + 4 * H and block.reason == "holiday; patch day"
    assert block.summary == "frozen until 2026-11-01T16:00:00.000Z: holiday; patch day"


def test_not_before_is_the_later_of_the_policy_and_the_trailer() -> None:
    policy = replace(POLICY, not_before=T0 + H)
    info = ReleaseInfo(policy, not_before=T0 + 2 * H)
    block = blocked(policy, info, T0 + 90 * timedelta(minutes=1))
    assert (
        block is not None
        and block.kind == "scheduled"
        and block.summary == "scheduled: not before 2026-11-01T14:00:00.000Z"
    )
    assert blocked(policy, info, T0 + 2 * H) is None
    assert blocked(policy, ReleaseInfo(policy), T0 + H) is None  # the policy's own instant is inclusive


def test_an_event_stop_passes_every_gate() -> None:
    info = ReleaseInfo(FROZEN, not_before=T0 + 9 * H, event_stop=True)
    assert blocked(FROZEN, info, T0) is None


@pytest.mark.parametrize(
    ("trailers", "not_before", "problem"),
    [
        ({}, None, None),
        ({NOT_BEFORE: "2026-11-01T14:00:00Z"}, T0 + 2 * H, None),
        ({NOT_BEFORE: "2026-11-01T14:00:00.5Z"}, T0 + 2 * H + timedelta(milliseconds=500), None),
        ({NOT_BEFORE: "tomorrow"}, None, "Hotswap-Not-Before: 'tomorrow' is not an RFC 3339 instant"),
        ({NOT_BEFORE: "2026-11-01T16:00:00+02:00"}, T0 + 2 * H, None),
        ({NOT_BEFORE: "2026-11-01T14:00Z"}, None, "is not an RFC 3339 instant"),
        ({NOT_BEFORE: "2026-02-30T14:00:00Z"}, None, "is not a date and time that exists"),
    ],
)
def test_the_not_before_trailer(trailers: dict[str, str], not_before: datetime | None, problem: str | None) -> None:
    info = selected(ReleaseInfo(POLICY), [Touched("balance.yaml", "GameBalance")], trailers)
    assert info.not_before == not_before
    if problem is None:
        assert info.problems == ()
    else:
        (found,) = info.problems
        assert problem in found
    assert info.strategy_why == "canary with approval in EU-WEST (the default): no rule covers balance.yaml"
    stop = {EVENT_STOP: "winter"}
    event = [Touched("events/winter.yaml", "LiveEvent")]
    assert selected(ReleaseInfo(POLICY), event, stop, recorded_stop=True).event_stop
    # the trailer alone exempts nothing: typed into a merge, with no stop in the ledger
    assert not selected(ReleaseInfo(POLICY), event, stop).event_stop
    # nor a recorded stop that touches anything but live events
    assert not selected(ReleaseInfo(POLICY), [], stop, recorded_stop=True).event_stop
    mixed = [*event, Touched("balance.yaml", "GameBalance")]
    assert not selected(ReleaseInfo(POLICY), mixed, stop, recorded_stop=True).event_stop


def test_a_release_with_a_bad_trailer_is_rejected_not_started() -> None:
    s = snap()
    bad = selected(s.releases[NEW], [], {NOT_BEFORE: "soon"})
    decision = decide(replace(s, releases={**s.releases, NEW: bad}), T0)
    assert decision.summary.startswith(f"release {NEW[:12]} rejected: Hotswap-Not-Before: 'soon'")
    assert not any(isinstance(a, WriteRings) for a in decision.actions)


def test_the_choice_holds_for_the_whole_rollout() -> None:
    assert served_before({("NA-WEST", 100): tip(OLD, previous=None)}, "NA-WEST", NEW) == "tree-aaaa"
    assert served_before({("NA-WEST", 100): tip(NEW)}, "NA-WEST", NEW) == "tree-aaaa"  # what it had before NEW
    assert served_before({}, "NA-WEST", NEW) is None


def test_a_kill_switch_the_release_was_not_written_knowing_is_not_what_it_is_compared_with() -> None:
    # ring-100 serves OLD under two stops, the festival's and then the raid's, newest first
    layers = (StopLayer("raid", "tree-fest"), StopLayer("festival", "tree-aaaa"))
    rings = {("NA-WEST", 100): replace(tip(OLD, previous=None), tree="tree-raid", stops=layers)}
    assert served_before(rings, "NA-WEST", NEW, {"festival", "raid"}) == "tree-aaaa"  # in flight through both
    assert served_before(rings, "NA-WEST", NEW, {"raid"}) == "tree-fest"  # written on the festival's stop
    assert served_before(rings, "NA-WEST", NEW, {"festival"}) == "tree-raid"  # it knows the newer stop
    assert served_before(rings, "NA-WEST", NEW) == "tree-raid"  # a release written knowing every stop
    # once NEW reaches ring-100, what the ring had before it is read the same way
    reached = replace(tip(NEW), previous_tree="tree-fest", previous_stops=layers[1:])
    assert served_before({("NA-WEST", 100): reached}, "NA-WEST", NEW, {"festival"}) == "tree-aaaa"
    assert served_before({("NA-WEST", 100): reached}, "NA-WEST", NEW) == "tree-fest"


def with_policy(s: GameSnapshot, **changes: object) -> GameSnapshot:
    infos = {sha: replace(info, **changes) for sha, info in s.releases.items()}  # type: ignore[arg-type]
    return replace(s, releases=infos)


def test_a_freeze_stops_the_start_and_writes_nothing() -> None:
    decision = decide(with_policy(snap(), policy=FROZEN), T0 + timedelta(minutes=5))
    assert decision.summary == (
        f"frozen until 2026-11-01T15:00:00.000Z: holiday; maintenance; {NEW[:12]} waits before NA-WEST/10%"
    )
    assert decision.actions == () and decision.evaluate is None
    started = decide(with_policy(snap(), policy=FROZEN), T0 + 3 * H)
    deploy = next(a for a in started.actions if isinstance(a, AppendEvents)).events[-1]
    assert deploy.type == "deploy" and any(isinstance(a, WriteRings) for a in started.actions)


def test_the_first_deploy_records_the_strategy_and_why() -> None:
    s = with_policy(snap(), strategy_why="canary (the default): no rule covers balance.yaml")
    decision = decide(s, T0)
    deploy = next(a for a in decision.actions if isinstance(a, AppendEvents)).events[-1]
    assert deploy.reason == "strategy canary (the default): no rule covers balance.yaml"


def record(*events: Event) -> RolloutRecord:
    return RolloutRecord("g", NEW, f"tree-{NEW[:4]}", events)


def test_a_freeze_stops_a_step_that_passed_but_records_the_evaluation_and_rollback_still_runs() -> None:
    landed = T0 - H
    rec = record(Event(landed, "deploy", "NA-WEST", 10))
    s = with_policy(replace(snap(rings=at_step([("NA-WEST", 10)], landed)), records={NEW: rec}), policy=FROZEN)
    now = T0 + timedelta(minutes=1)
    ok = (CheckResult("churn", "pass", 1.0, 1.0, "ok"),)
    decision = decide(s, now, ok)
    assert decision.summary.startswith("frozen until 2026-11-01T15:00:00.000Z")
    assert [type(a) for a in decision.actions] == [AppendEvents]  # the evaluation, no deploy
    (appended,) = decision.actions
    assert isinstance(appended, AppendEvents) and [e.type for e in appended.events] == ["evaluate"]
    # a critical still rolls back in the window, and so does a person
    bad = (CheckResult("churn", "critical", 2.0, 1.0, "+100%"),)
    assert any(isinstance(a, RevertRings) for a in decide(s, now, bad).actions)
    assert any(isinstance(a, RevertRings) for a in decide_rollback(s, now, "bad loot", "alice").actions)


def test_a_freeze_merged_on_main_holds_the_release_already_in_flight() -> None:
    """The release in flight carries its own, older policy without the window; main's newer
    commit adds it: the freeze is main's word and holds the rollout too."""
    landed = T0 - H
    rec = record(Event(landed, "deploy", "NA-WEST", 10))
    s = replace(snap(candidate=NEWER, rings=at_step([("NA-WEST", 10)], landed)), records={NEW: rec})
    s = replace(s, releases={**s.releases, NEWER: replace(s.releases[NEWER], policy=FROZEN)})
    now = T0 + timedelta(minutes=1)
    ok = (CheckResult("churn", "pass", 1.0, 1.0, "ok"),)
    decision = decide(s, now, ok)
    assert decision.summary.startswith("frozen until 2026-11-01T15:00:00.000Z")
    assert not any(isinstance(a, WriteRings) for a in decision.actions)
    after = decide(s, T0 + 3 * H, ok)  # past the window, it advances
    assert any(isinstance(a, WriteRings) for a in after.actions)


def test_approvals_still_run_in_a_freeze() -> None:
    landed = T0 - H
    rec = record(*(Event(landed, "deploy", "NA-WEST", p) for p in (10, 50, 100)))
    rings = at_step([("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100)], landed)
    s = with_policy(replace(snap(rings=rings), records={NEW: rec}), policy=FROZEN)
    rec = rec.appended(Event(landed, "evaluate", "NA-WEST", 100, "pass"))
    s = replace(s, records={NEW: rec})
    waiting = decide(s, T0)
    assert waiting.wait is not None and waiting.wait.region == "EU-WEST"  # the gate comes before the freeze
    approved = decide_approve(s, T0, "EU-WEST", "alice")
    (append,) = approved.actions
    assert isinstance(append, AppendEvents) and append.events[0].type == "approve"
    after = decide(replace(s, records={NEW: rec.appended(*append.events)}), T0)
    assert after.summary.startswith("frozen until") and after.actions == ()


def test_plan_names_the_windows_a_rollout_would_cross() -> None:
    assert windows_crossed(FROZEN.freeze, T0 - H, H) == ()
    assert windows_crossed(FROZEN.freeze, T0 - H, 2 * H) == (XMAS,)
    assert windows_crossed(FROZEN.freeze, T0 + H, 5 * H) == (XMAS, LATE, APART)
    assert windows_crossed(FROZEN.freeze, T0 + 6 * H, 5 * H) == ()


def _frozen_snap(*events: Event, main_freeze: tuple[FreezeWindow, ...] = ()) -> GameSnapshot:
    """NEW in flight at NA-WEST/10 with FROZEN as its policy; main (NEWER) holds `main_freeze`."""
    s = snap(candidate=NEWER, rings=at_step([("NA-WEST", 10)]), records=(_deployed(*events),))
    infos = {**s.releases, NEW: ReleaseInfo(FROZEN), NEWER: ReleaseInfo(replace(POLICY, freeze=main_freeze))}
    return replace(s, releases=infos)


def _deployed(*events: Event) -> RolloutRecord:
    return RolloutRecord("g", NEW, f"tree-{NEW[:4]}", (Event(T0 - H, "deploy", "NA-WEST", 10), *events))


def test_held_is_the_one_gate_rule_with_main_freeze_and_a_lift() -> None:
    s = _frozen_snap(main_freeze=(APART,))
    assert held(s, NEW, T0 + H).freeze == freeze_at((XMAS, LATE), T0 + H)
    assert held(s, NEW, T0 + 5 * H).freeze == freeze_at((APART,), T0 + 5 * H)  # main's freeze holds it too
    lifted = _frozen_snap(Event(T0 + H, LIFT_FREEZE, reason="typo", by="alice"), main_freeze=(APART,))
    assert held(lifted, NEW, T0 + H).freeze is None  # the chain in force at the lift is lifted
    assert held(lifted, NEW, T0 + 5 * H).freeze is not None  # a later window holds again


def test_lift_freeze_records_who_and_why_and_is_refused_when_nothing_is_frozen() -> None:
    s = _frozen_snap()
    decision = decide_lift_freeze(s, T0 + H, "typo", "alice")
    (append,) = decision.actions
    assert isinstance(append, AppendEvents) and append.release == NEW
    (event,) = append.events
    assert (event.type, event.by, event.reason) == (LIFT_FREEZE, "alice", "typo")
    assert event.outcome == "lifted frozen until 2026-11-01T15:00:00.000Z: holiday; maintenance"
    after = replace(s, records={NEW: s.records[NEW].appended(event)})
    assert decide_lift_freeze(after, T0 + H, "typo", "alice").actions == ()  # asked again: nothing written
    with pytest.raises(DecisionError, match="no freeze holds"):
        decide_lift_freeze(s, T0 + 4 * H, "typo", "alice")
