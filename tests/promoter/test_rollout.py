"""The one copy of the rollout-state rules, on plain values: what decide, the CLI, the API and the page use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promoter import rollout
from promoter.decide import DecisionError, decide, decide_approve, decide_rollback, rollout_state
from promoter.model import DeployInfo, Event, RevertRings, RolloutRecord
from tests.promoter.snapshots import ALL, NEW, NEWER, OLD, T0, at_step, record, snap, tip


def test_a_rollouts_state_is_its_last_ending_event() -> None:
    done = record(Event(T0 + timedelta(hours=1), "complete"))
    assert rollout.ended_state(done) == "succeeded"
    undone = done.appended(Event(T0 + timedelta(hours=2), "rollback", reason="manual"))
    assert rollout.ended_state(undone) == "rolled-back"
    assert undone.ended is not None and undone.ended.type == "rollback"
    assert rollout.ended_state(record()) is None


def test_in_flight_is_the_oldest_open_record() -> None:
    first = RolloutRecord("g", NEW, "t", (Event(T0, "deploy", "NA-WEST", 10),))
    later = RolloutRecord("g", NEWER, "t", (Event(T0 + timedelta(minutes=5), "approve", "EU-WEST"),))
    ended = RolloutRecord("g", OLD, "t", (Event(T0 - timedelta(days=1), "bootstrap"),))
    assert rollout.in_flight([later, ended, first]) is first
    assert rollout.in_flight([ended]) is None


def test_paused_is_one_rule_the_api_state_follows() -> None:
    pause = Event(T0 + timedelta(minutes=31), "pause", "NA-WEST", 10, "warning", "warning at NA-WEST/10%")
    paused = snap(rings=at_step([("NA-WEST", 10)]), records=(record(pause),))
    assert rollout_state(paused, paused.records[NEW], T0 + timedelta(hours=1)) == "paused"
    # An approval of another region's gate does not answer the step's pause.
    gate = Event(T0 + timedelta(minutes=40), "approve", "EU-WEST", reason="region gate")
    still = snap(rings=at_step([("NA-WEST", 10)]), records=(record(pause, gate),))
    assert rollout_state(still, still.records[NEW], T0 + timedelta(hours=1)) == "paused"
    resumed = snap(
        rings=at_step([("NA-WEST", 10)]),
        records=(record(pause, Event(T0 + timedelta(minutes=41), "approve", "NA-WEST", 10)),),
    )
    assert rollout_state(resumed, resumed.records[NEW], T0 + timedelta(hours=1)) == "in-progress"


def test_approve_refuses_a_later_regions_gate_while_a_step_is_paused() -> None:
    pause = Event(T0 + timedelta(minutes=31), "pause", "NA-WEST", 10, "warning", "warning at NA-WEST/10%")
    paused = snap(rings=at_step([("NA-WEST", 10)]), records=(record(pause),))
    with pytest.raises(DecisionError, match=r"waits for a paused step \(10%\) in NA-WEST"):
        decide_approve(paused, T0 + timedelta(hours=1), "EU-WEST", "bob")
    approved = decide_approve(paused, T0 + timedelta(hours=1), "NA-WEST", "bob")
    assert approved.summary == "approved NA-WEST/10% by bob"


def test_approve_acts_only_on_the_release_named() -> None:
    pause = Event(T0 + timedelta(minutes=31), "pause", "NA-WEST", 10, "warning", "warning at NA-WEST/10%")
    old_done = RolloutRecord("g", OLD, "tree-aaaa", (Event(T0 - timedelta(days=1), "bootstrap"),))
    paused = snap(rings=at_step([("NA-WEST", 10)]), records=(record(pause), old_done))
    with pytest.raises(DecisionError, match="waits for no approval: it has ended"):
        decide_approve(paused, T0 + timedelta(hours=1), "NA-WEST", "bob", release=OLD[:12])
    assert decide_approve(paused, T0 + timedelta(hours=1), "NA-WEST", "bob", release=NEW[:12]).actions


def test_a_manual_rollback_with_nothing_in_flight_names_the_completed_release() -> None:
    done = RolloutRecord("g", NEW, "tree-bbbb", (Event(T0, "deploy", "NA-WEST", 10), Event(T0, "complete")))
    quiet = snap(candidate=NEW, rings={ring: tip(NEW) for ring in ALL}, records=(done,))
    with pytest.raises(DecisionError, match=r"no rollout in flight; to undo the completed release bbbbbbbbbbbb"):
        decide_rollback(quiet, T0, "lag", "bob")
    undo = decide_rollback(quiet, T0, "lag", "bob", release=NEW[:12])
    (revert,) = [a for a in undo.actions if isinstance(a, RevertRings)]
    assert len(revert.rings) == len(ALL) and {r.release for r in revert.rings} == {OLD}
    with pytest.raises(DecisionError, match="has no rollout"):
        decide_rollback(quiet, T0, "lag", "bob", release="f" * 12)


def test_rolling_back_a_release_also_reverts_rings_that_returned_to_it() -> None:
    """A completed; B rolled back at the canary (those rings' tips are reverts back to A); then A is
    rolled back: every ring serving A returns to what came before A, the revert tips included."""
    before_a = "d" * 40
    done = RolloutRecord("g", OLD, "tree-aaaa", (Event(T0, "deploy", "NA-WEST", 10), Event(T0, "complete")))
    rings = {ring: tip(OLD, previous=before_a) for ring in ALL}
    rings[("NA-WEST", 10)] = DeployInfo("rev", "tree-aaaa", OLD, T0, NEW, "tree-dddd", before_a)
    state = snap(candidate=OLD, rings=rings, records=(done,))
    undo = decide_rollback(state, T0 + timedelta(hours=1), "bad", "bob", release=OLD)
    (revert,) = [a for a in undo.actions if isinstance(a, RevertRings)]
    assert {(r.region, r.percent) for r in revert.rings} == set(ALL)
    assert {r.release for r in revert.rings} == {before_a}


def test_decide_and_the_api_agree_on_the_rollout_in_flight() -> None:
    running = snap(rings=at_step([("NA-WEST", 10)]), records=(record(),))
    assert decide(running, T0 + timedelta(minutes=5)).summary.startswith(NEW[:12])
    assert rollout_state(running, running.records[NEW], T0) == "in-progress"
