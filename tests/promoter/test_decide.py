"""The decision on plain values: a snapshot, check results and `now` in, actions out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pipeline.policy import Region, RolloutPolicy
from promoter.decide import DecisionError, decide, decide_approve, decide_reject, decide_rollback
from promoter.model import (
    AppendEvents,
    Candidate,
    Event,
    GameSnapshot,
    Quarantine,
    QuarantineRecord,
    ReleaseInfo,
    RevertMain,
    RevertRings,
    TagRelease,
    WriteRings,
    approval_path,
)
from tests.promoter.snapshots import ALL, NEW, NEWER, OLD, POLICY, T0, at_step, record, results, snap, tip


def kinds(actions: tuple[object, ...]) -> list[str]:
    return [type(a).__name__ for a in actions]


def test_bootstrap_writes_every_ring_once_and_tags() -> None:
    d = decide(snap(rings={}), T0)
    write, events, tag = d.actions
    assert isinstance(write, WriteRings) and sorted(write.rings) == sorted(ALL)
    assert isinstance(events, AppendEvents) and events.events[0].type == "bootstrap"
    assert tag == TagRelease("g", NEW)


def test_up_to_date_when_every_region_serves_the_candidate_tree() -> None:
    d = decide(snap(candidate=OLD), T0)
    assert d.actions == () and d.summary.startswith("up to date")


def test_a_new_release_starts_with_the_first_ring() -> None:
    d = decide(snap(), T0)
    write, events = d.actions
    assert write == WriteRings("g", NEW, "tree-bbbb", "NA-WEST/10", (("NA-WEST", 10),))
    assert isinstance(events, AppendEvents) and events.events[0].type == "deploy"


def test_an_invalid_release_is_rejected_and_never_deployed() -> None:
    d = decide(snap(problems=("configs/g/x.yaml:3:1: bad [schema]",)), T0)
    (events,) = d.actions
    assert isinstance(events, AppendEvents) and events.events[0].type == "reject"
    assert "x.yaml:3:1" in events.events[0].reason


def test_an_unusable_policy_is_an_error_with_no_write() -> None:
    d = decide(snap(policy_problem="RolloutPolicy invalid: configs/g/p.yaml:6:3: ..."), T0)
    assert d.actions == () and d.error and "p.yaml:6:3" in d.error


@pytest.mark.parametrize(
    ("elapsed", "due"), [(timedelta(minutes=29, seconds=59), False), (timedelta(minutes=30), True)]
)
def test_a_step_is_judged_only_after_its_interval(elapsed: timedelta, due: bool) -> None:
    s = snap(rings=at_step([("NA-WEST", 10)]), records=(record(),))
    d = decide(s, T0 + elapsed)
    assert (d.evaluate is not None) is due
    if due:
        assert d.evaluate is not None
        assert (d.evaluate.region, d.evaluate.step, d.evaluate.revision, d.evaluate.baseline) == (
            "NA-WEST",
            10,
            NEW[:12],
            OLD[:12],
        )


def test_all_pass_goes_to_the_next_ring() -> None:
    s = snap(rings=at_step([("NA-WEST", 10)]), records=(record(),))
    d = decide(s, T0 + timedelta(minutes=30), results("pass"))
    write, events = d.actions
    assert isinstance(write, WriteRings) and write.rings == (("NA-WEST", 50),) and write.stage == "NA-WEST/50"
    assert isinstance(events, AppendEvents) and [e.type for e in events.events] == ["evaluate", "deploy"]
    assert events.events[0].checks[0].candidate == 1.0


def test_a_critical_reverts_every_ring_carrying_the_release_and_quarantines() -> None:
    s = snap(rings=at_step([("NA-WEST", 10), ("NA-WEST", 50)]), records=(record(Event(T0, "deploy", "NA-WEST", 50)),))
    d = decide(s, T0 + timedelta(minutes=30), results("critical", 9.0))
    assert kinds(d.actions) == ["RevertRings", "AppendEvents", "Quarantine", "RevertMain"]
    revert = d.actions[0]
    assert isinstance(revert, RevertRings)
    assert [(r.region, r.percent, r.tree, r.release) for r in revert.rings] == [
        ("NA-WEST", 10, "tree-aaaa", OLD),
        ("NA-WEST", 50, "tree-aaaa", OLD),
    ]
    quarantine = d.actions[2]
    assert isinstance(quarantine, Quarantine) and quarantine.record.checks[0].candidate == 9.0


def test_a_warning_pauses_and_an_approval_goes_on() -> None:
    s = snap(rings=at_step([("NA-WEST", 10)]), records=(record(),))
    d = decide(s, T0 + timedelta(minutes=30), results("warning"))
    (events,) = d.actions
    assert isinstance(events, AppendEvents) and [e.type for e in events.events] == ["evaluate", "pause"]
    paused = record(*events.events)
    assert decide(snap(rings=at_step([("NA-WEST", 10)]), records=(paused,)), T0 + timedelta(hours=5)).actions == ()
    approved = decide_approve(
        snap(rings=at_step([("NA-WEST", 10)]), records=(paused,)), T0 + timedelta(hours=1), "NA-WEST", "alice"
    )
    (approval,) = approved.actions
    assert isinstance(approval, AppendEvents) and approval.events[0].by == "alice"
    resumed = record(*events.events, *approval.events)
    d = decide(snap(rings=at_step([("NA-WEST", 10)]), records=(resumed,)), T0 + timedelta(hours=1))
    assert isinstance(d.actions[0], WriteRings) and d.actions[0].rings == (("NA-WEST", 50),)


@pytest.mark.parametrize(("verdict", "limit"), [("inconclusive", 2), ("error", 3)])
def test_no_data_or_errors_never_promote_and_pause_at_the_limit(verdict: str, limit: int) -> None:
    events: tuple[Event, ...] = ()
    now = T0
    for n in range(1, limit + 1):
        now += timedelta(minutes=30)
        d = decide(snap(rings=at_step([("NA-WEST", 10)]), records=(record(*events),)), now, results(verdict))
        assert not any(isinstance(a, WriteRings | RevertRings) for a in d.actions)
        (append,) = d.actions
        assert isinstance(append, AppendEvents)
        events += append.events
        assert ("pause" in [e.type for e in append.events]) is (n == limit)


def test_the_next_evaluation_after_a_non_verdict_waits_another_interval() -> None:
    events = (Event(T0 + timedelta(minutes=30), "evaluate", "NA-WEST", 10, "inconclusive"),)
    s = snap(rings=at_step([("NA-WEST", 10)]), records=(record(*events),))
    assert decide(s, T0 + timedelta(minutes=59)).evaluate is None
    assert decide(s, T0 + timedelta(minutes=60)).evaluate is not None


def test_a_region_needing_approval_waits_for_it() -> None:
    rings = at_step([("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100)])
    rec = record(*(Event(T0, "evaluate", "NA-WEST", s, "pass") for s in (10, 50)), Event(T0, "deploy", "NA-WEST", 100))
    d = decide(snap(rings=rings, records=(rec,)), T0 + timedelta(minutes=30), results("pass"))
    (events,) = d.actions
    assert "awaits approval for EU-WEST" in d.summary and isinstance(events, AppendEvents)
    passed = record(*rec.events[1:], *events.events)
    gate = decide_approve(snap(rings=rings, records=(passed,)), T0 + timedelta(hours=1), "EU-WEST", "bob")
    (approval,) = gate.actions
    assert isinstance(approval, AppendEvents) and approval.events[0].step is None
    d = decide(snap(rings=rings, records=(record(*passed.events[1:], *approval.events),)), T0 + timedelta(hours=1))
    assert isinstance(d.actions[0], WriteRings) and sorted(d.actions[0].rings) == [
        ("EU-WEST", 10),
        ("EU-WEST", 50),
        ("EU-WEST", 100),
    ]


def test_approve_with_nothing_waiting_is_refused() -> None:
    with pytest.raises(DecisionError):
        decide_approve(snap(rings=at_step([("NA-WEST", 10)]), records=(record(),)), T0, "NA-WEST", "x")


def test_later_main_commits_wait_for_the_rollout_in_flight() -> None:
    s = snap(candidate=NEWER, rings=at_step([("NA-WEST", 10)]), records=(record(),))
    d = decide(s, T0 + timedelta(minutes=30), results("pass"))
    assert isinstance(d.actions[0], WriteRings) and d.actions[0].release == NEW


def test_a_quarantined_config_still_on_main_is_not_rolled_out_again() -> None:
    rolled_back = record(Event(T0, "rollback", reason="bad"))
    q = QuarantineRecord("g", NEW, "tree-bbbb", T0, "bad")
    d = decide(snap(candidate=NEW, records=(rolled_back,), quarantine=(q,), reverted=frozenset({NEW})), T0)
    assert d.actions == ()
    # the same tree under a new commit is still quarantined
    same_tree = GameSnapshot("g", Candidate(NEWER, "tree-bbbb"), snap().rings, {}, {NEW: q}, snap().releases)
    assert decide(same_tree, T0).actions == () and "quarantined" in decide(same_tree, T0).summary


def test_a_pending_main_revert_is_retried() -> None:
    rolled_back = record(Event(T0, "rollback", reason="bad"))
    d = decide(snap(candidate=NEW, records=(rolled_back,)), T0)
    assert d.actions == (RevertMain("g", NEW, "bad"),)


def test_manual_rollback_takes_the_automatic_path() -> None:
    s = snap(rings=at_step([("NA-WEST", 10)]), records=(record(),))
    d = decide_rollback(s, T0, "players report crashes", "carol")
    assert kinds(d.actions) == ["RevertRings", "AppendEvents", "Quarantine", "RevertMain"]
    assert "manual rollback by carol" in d.summary
    with pytest.raises(DecisionError):
        decide_rollback(snap(candidate=OLD), T0, "x", "carol")


# --- approval by merge and rejection -----------------------------------------------------------

NA_DONE = [("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100)]


def gated() -> GameSnapshot:
    """NA-WEST all on NEW and judged; EU-WEST has `approval: required`."""
    passed = Event(T0 + timedelta(hours=1), "evaluate", "NA-WEST", 100, "pass")
    return snap(rings=at_step(NA_DONE), records=(record(Event(T0, "deploy", "NA-WEST", 100), passed),))


def test_the_region_gate_is_a_wait_and_an_approval_file_for_it_approves_and_deploys_at_once() -> None:
    now = T0 + timedelta(hours=2)
    waiting = decide(gated(), now)
    assert waiting.wait is not None and waiting.wait.key == "EU-WEST/gate" and not waiting.actions
    approved = decide(replace(gated(), approvals={(NEW, "EU-WEST"): "EU-WEST/gate"}), now)
    assert kinds(approved.actions) == ["AppendEvents", "WriteRings", "AppendEvents"]
    first = approved.actions[0]
    assert isinstance(first, AppendEvents) and first.events[0].type == "approve"
    assert first.events[0].by == f"merge of {approval_path('g', NEW, 'EU-WEST')} on main"
    write = approved.actions[1]
    assert isinstance(write, WriteRings) and write.stage == "EU-WEST/100"


def test_an_approval_file_for_another_wait_or_release_approves_nothing() -> None:
    now = T0 + timedelta(hours=2)
    for approvals in ({(NEW, "EU-WEST"): "EU-WEST/100/20261101T120000000000Z"}, {(OLD, "EU-WEST"): "EU-WEST/gate"}):
        assert not decide(replace(gated(), approvals=approvals), now).actions


def test_a_paused_step_is_approved_only_by_a_file_naming_that_pause() -> None:
    paused_at = T0 + timedelta(minutes=40)
    pause = Event(paused_at, "pause", "NA-WEST", 10, "warning", "warning at NA-WEST/10%")
    paused = snap(rings=at_step([("NA-WEST", 10)]), records=(record(pause),))
    wait = decide(paused, T0 + timedelta(hours=1)).wait
    assert wait is not None and wait.step == 10 and wait.since == paused_at
    earlier = replace(wait, since=T0).key
    assert earlier != wait.key  # an approval of an earlier pause cannot approve this one
    assert not decide(replace(paused, approvals={(NEW, "NA-WEST"): earlier}), T0 + timedelta(hours=1)).actions
    resumed = decide(replace(paused, approvals={(NEW, "NA-WEST"): wait.key}), T0 + timedelta(hours=1))
    assert kinds(resumed.actions) == ["AppendEvents", "WriteRings", "AppendEvents"]


def test_rejecting_rolls_back_where_the_release_runs_and_ends_it_where_it_never_ran() -> None:
    now = T0 + timedelta(hours=2)
    rolled = decide_reject(gated(), now, "EU-WEST/gate", "pull request #9", "closed without merging")
    assert "RevertRings" in kinds(rolled.actions) and "Quarantine" in kinds(rolled.actions)
    with pytest.raises(DecisionError):
        decide_reject(gated(), now, "NA-WEST/gate", "pull request #9", "stale")

    first_gate = RolloutPolicy(**{**POLICY.__dict__, "regions": (Region("EU-WEST", (100,), timedelta(hours=1), True),)})
    never_ran = replace(
        snap(rings={("EU-WEST", p): tip(OLD, previous=None) for p in (10, 50, 100)}),
        releases={NEW: ReleaseInfo(first_gate)},
    )
    ended = decide_reject(never_ran, now, "EU-WEST/gate", "pull request #9", "no")
    (action,) = ended.actions
    assert isinstance(action, AppendEvents) and action.events[0].type == "reject"
