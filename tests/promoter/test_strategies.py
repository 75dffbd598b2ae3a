"""Each strategy on plain values: its stages, where a release stands, the refs a stage writes, what
a rollback reverts; and decide asking the policy's strategy."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rich.console import Console

from contract.instants import format_instant, parse_instant
from contract.switch import CAPPED_SWITCH_LEAD, MAX_SWITCH_LEAD
from hotswap.commands.status import print_game
from pipeline.policy import BlueGreen, policy_from_spec
from promoter.decide import decide, decide_rollback
from promoter.fleet_reports import merge
from promoter.model import (
    AppendEvents,
    CheckResult,
    DeployInfo,
    DropGreen,
    Event,
    GameSnapshot,
    ReleaseInfo,
    RevertRing,
    RevertRings,
    RolloutRecord,
    TagRelease,
    WriteGreen,
    WriteRings,
)
from promoter.observed import Reports, ServerReport, desired_for, observe
from promoter.service.page import render
from promoter.status import game_status
from promoter.strategies import STRATEGIES, step_label
from promoter.strategies.base import next_stage, position
from tests.promoter.snapshots import ALL, NEW, OLD, POLICY, T0, at_step, results, snap, tip

BLUE_GREEN = replace(
    POLICY,
    strategy="blue-green",
    regions=tuple(replace(r, steps=(100,)) for r in POLICY.regions),
    blue_green=BlueGreen(timedelta(seconds=5)),
)
EXPEDITED = replace(POLICY, strategy="expedited")
NA = [("NA-WEST", p) for p in (10, 50, 100)]


def with_policy(s: GameSnapshot, policy: object, **changes: object) -> GameSnapshot:
    infos = {sha: ReleaseInfo(policy) for sha in s.releases}  # type: ignore[arg-type]
    return replace(s, releases=infos, **changes)  # type: ignore[arg-type]


def green_tip(release: str, previous: str | None = OLD) -> DeployInfo:
    return tip(release, T0, previous)


def test_the_registry_is_keyed_by_the_policys_strategy_value() -> None:
    assert sorted(STRATEGIES) == ["blue-green", "canary", "expedited"]
    labels = [[s.label for s in region] for region in STRATEGIES["blue-green"].stages(BLUE_GREEN)]
    assert labels == [["green", "switch"], ["green", "switch"]]
    assert [[s.label for s in r] for r in STRATEGIES["canary"].stages(POLICY)] == [["10%", "50%", "100%"], ["100%"]]
    assert [[s.label for s in r] for r in STRATEGIES["expedited"].stages(EXPEDITED)] == [["expedited"], []]


def test_canary_position_and_next_follow_the_rings() -> None:
    canary = STRATEGIES["canary"]
    s = snap(rings={**{r: tip(OLD, previous=None) for r in ALL}, **{r: tip(NEW) for r in NA[:2]}})
    pos = position(canary, s, POLICY, NEW)
    assert pos is not None and (pos.region, pos.step) == (0, 1)
    assert next_stage(canary, POLICY, pos) == (0, 2)
    stage = canary.stages(POLICY)[0][2]
    (write,) = canary.writes(s, POLICY, NEW, "tree-bbbb", stage, T0)
    assert write == WriteRings("g", NEW, "tree-bbbb", "NA-WEST/100", (("NA-WEST", 100),))


def test_expedited_writes_every_ring_in_one_decision_then_one_check_completes_and_tags() -> None:
    d = decide(with_policy(snap(), EXPEDITED), T0)
    write, events = d.actions
    assert isinstance(write, WriteRings) and write.stage == "expedited" and sorted(write.rings) == sorted(ALL)
    assert [e.type for e in events.events] == ["deploy"]  # type: ignore[union-attr]
    done = with_policy(snap(rings={r: tip(NEW) for r in ALL}), EXPEDITED)
    pos = position(STRATEGIES["expedited"], done, EXPEDITED, NEW)
    assert pos is not None and next_stage(STRATEGIES["expedited"], EXPEDITED, pos) is None
    record = RolloutRecord("g", NEW, "tree-bbbb", events.events)  # type: ignore[union-attr]
    running = replace(done, records={NEW: record})
    later = pos.landed + EXPEDITED.regions[0].interval
    request = decide(running, later).evaluate
    assert request is not None and request.baseline is None  # absolute checks only: nothing is left on the old
    passed = decide(running, later, (CheckResult("complaints", "pass"),))
    assert TagRelease("g", NEW) in passed.actions and "complete" in [
        e.type for a in passed.actions if isinstance(a, AppendEvents) for e in a.events
    ]
    bad = decide(running, later, (CheckResult("complaints", "critical", message="3% of players"),))
    reverts = next(a for a in bad.actions if isinstance(a, RevertRings))
    assert sorted((r.region, r.percent) for r in reverts.rings) == sorted(ALL)


def test_blue_green_starts_on_the_green_ref_and_touches_no_ring() -> None:
    d = decide(with_policy(snap(), BLUE_GREEN), T0)
    write, events = d.actions
    assert write == WriteGreen("g", NEW, "tree-bbbb", "NA-WEST")
    assert events.events[0].step == 0 and "NA-WEST/green" in d.summary  # type: ignore[union-attr]


def green_snapshot(*events: Event) -> GameSnapshot:
    record = RolloutRecord("g", NEW, "tree-bbbb", (Event(T0, "deploy", "NA-WEST", 0), *events))
    return with_policy(snap(records=(record,)), BLUE_GREEN, green={"NA-WEST": green_tip(NEW)})


def test_green_is_judged_against_blue_then_one_write_switches_every_ring_of_the_region() -> None:
    s = green_snapshot()
    ask = decide(s, T0 + timedelta(minutes=30)).evaluate
    assert ask is not None and (ask.region, ask.step, ask.revision, ask.baseline) == ("NA-WEST", 0, NEW[:12], OLD[:12])
    now = T0 + timedelta(minutes=30)
    d = decide(s, now, results("pass"))
    (write, _) = d.actions
    assert isinstance(write, WriteRings) and write.stage == "NA-WEST/switch" and sorted(write.rings) == NA
    assert write.switch_at == now + timedelta(seconds=5)
    # after the switch: the stage landed at the switch instant, judged on absolute checks only
    switched = {**s.rings, **{r: replace(tip(NEW, now), switch_at=write.switch_at) for r in NA}}
    after = replace(s, rings=switched)
    pos = position(STRATEGIES["blue-green"], after, BLUE_GREEN, NEW)
    assert pos is not None and (pos.region, pos.step, pos.landed) == (0, 1, write.switch_at)
    later = decide(after, write.switch_at + timedelta(minutes=30)).evaluate
    assert later is not None and later.step == 100 and later.baseline is None


def test_the_switch_waits_for_the_regions_approval_gate() -> None:
    policy = replace(BLUE_GREEN, regions=(replace(BLUE_GREEN.regions[0], approval=True), BLUE_GREEN.regions[1]))
    s = replace(green_snapshot(), releases={NEW: ReleaseInfo(policy)})
    d = decide(s, T0 + timedelta(minutes=30), results("pass"))
    assert d.wait is not None and d.wait.step is None and not any(isinstance(a, WriteRings) for a in d.actions)


def test_critical_on_green_reverts_the_green_ref_alone() -> None:
    d = decide(green_snapshot(), T0 + timedelta(minutes=30), results("critical"))
    reverts = d.actions[0]
    assert reverts == RevertRings("g", NEW, reverts.reason, (), (RevertRing("NA-WEST", 0, "tree-aaaa", OLD),), None)  # type: ignore[union-attr]


def test_a_switch_back_returns_every_ring_and_green_to_blue_at_one_instant() -> None:
    rings = {**{r: tip(OLD, previous=None) for r in ALL}, **{r: tip(NEW) for r in NA}}
    s = replace(green_snapshot(), rings=rings)
    now = T0 + timedelta(hours=1)
    d = decide_rollback(s, now, "players complain", "ops")
    reverts = d.actions[0]
    assert isinstance(reverts, RevertRings) and reverts.switch_at == now + timedelta(seconds=5)
    assert sorted((r.region, r.percent, r.tree) for r in reverts.rings) == [(r, p, "tree-aaaa") for r, p in NA]
    assert reverts.green == (RevertRing("NA-WEST", 0, "tree-aaaa", OLD),)


def test_the_promoter_never_dates_a_switch_beyond_the_agents_cap() -> None:
    # a policy validated before validate refused it: `switchLead: PT15M` would make every agent swap at once
    policy = replace(BLUE_GREEN, blue_green=BlueGreen(timedelta(minutes=15)))
    s = with_policy(green_snapshot(), policy)
    now = T0 + timedelta(minutes=30)
    (write, _) = decide(s, now, results("pass")).actions
    assert isinstance(write, WriteRings) and write.switch_at is not None
    assert write.switch_at - now == CAPPED_SWITCH_LEAD < MAX_SWITCH_LEAD
    rings = {**{r: tip(OLD, previous=None) for r in ALL}, **{r: tip(NEW) for r in NA}}
    back = decide_rollback(replace(s, rings=rings), now, "players complain", "ops").actions[0]
    assert isinstance(back, RevertRings) and back.switch_at == now + CAPPED_SWITCH_LEAD


def test_a_green_pool_server_wants_the_green_ref() -> None:
    s = green_snapshot()  # the release in flight deploys green: green is live
    assert desired_for("green", "NA-WEST", 10, s) == NEW[:12]
    assert desired_for(None, "NA-WEST", 10, s) == OLD[:12]
    assert desired_for("green", "EU-WEST", 100, s) == OLD[:12]  # no green ref there: its ring's


def test_switch_lead_defaults_and_reads_from_the_spec() -> None:
    spec = {"strategy": "blue-green", "rings": [100], "regions": [], "analysis": {"checks": []}}
    assert policy_from_spec("g", spec).blue_green.switch_lead == timedelta(seconds=5)
    spec["blueGreen"] = {"switchLead": "PT1.5S"}
    assert policy_from_spec("g", spec).blue_green.switch_lead == timedelta(seconds=1.5)


def test_the_switch_instant_is_rfc3339_with_milliseconds_and_z() -> None:
    at = T0 + timedelta(seconds=5, microseconds=123456)
    assert format_instant(at) == "2026-11-01T12:00:05.123Z"
    assert parse_instant(format_instant(at)) == at.replace(microsecond=123000)


def test_a_paused_green_reads_as_green_not_as_a_percent() -> None:
    assert [step_label(BLUE_GREEN, s) for s in (0, 100)] == ["green", "switch"]
    assert [step_label(POLICY, s) for s in (10, 100)] == ["10%", "100%"]
    assert step_label(EXPEDITED, 100) == "expedited" and step_label(None, 50) == "50%"
    s = green_snapshot(Event(T0 + timedelta(minutes=30), "pause", "NA-WEST", 0, "warning", "warning at NA-WEST/green"))
    wait = decide(s, T0 + timedelta(hours=1)).wait
    assert wait is not None and wait.what == "NA-WEST at green" and wait.step == 0


def test_a_green_pool_server_on_the_green_release_is_ok_and_a_blue_one_on_it_is_drift() -> None:
    s = replace(green_snapshot(), rings={r: tip(OLD, previous=None) for r in ALL})
    now = T0 + timedelta(seconds=10)
    reports = Reports(
        (
            ServerReport("NA-WEST", "na-green-1", NEW[:12], now, "green"),
            ServerReport("NA-WEST", "na-blue-1", NEW[:12], now),
        )
    )
    view = observe(s, reports, now)
    assert {v.server: (v.desired, v.state) for v in view.servers} == {
        "na-green-1": (NEW[:12], "ok"),
        "na-blue-1": (OLD[:12], "drift"),
    }


def test_the_pool_label_of_a_live_report_is_kept() -> None:
    labels = {"region": "NA-WEST", "server": "s1", "config_revision": NEW[:12], "pool": "green"}
    (report,) = merge([(labels, T0.timestamp())], [], [])
    assert report.pool == "green"


def test_status_shows_the_strategy_and_the_stage_in_json_and_text() -> None:
    s = green_snapshot()
    shown = game_status(s, T0 + timedelta(minutes=1))["rollout"]
    assert (shown["strategy"], shown["stage"], shown["step"], shown["stepsDone"], shown["stepsTotal"]) == (
        "blue-green",
        "green",
        0,
        1,
        4,
    )
    at = T0 + timedelta(minutes=31)
    switched = replace(s, rings={**s.rings, **{r: replace(tip(NEW, T0), switch_at=at) for r in NA}})
    assert game_status(switched, T0 + timedelta(minutes=30))["rollout"]["stage"] == f"switching at {format_instant(at)}"
    after = game_status(switched, T0 + timedelta(minutes=32))
    assert after["rollout"]["stage"] == "post-switch" and after["rollout"]["switchAt"] == format_instant(at)
    console = Console(record=True, width=200)
    print_game(console, after)
    assert f"rollout g-{NEW[:12]} blue-green at NA-WEST/post-switch" in console.export_text()


def completed_green_stale() -> GameSnapshot:
    """What today's refs look like after a blue-green release OLD completed and a canary release NEW
    completed after it: every ring on NEW, NA-WEST's green still on OLD."""
    done = RolloutRecord("g", NEW, "tree-bbbb", (Event(T0, "deploy", "NA-WEST", 10), Event(T0, "complete")))
    s = snap(rings={r: tip(NEW) for r in ALL}, records=(done,))
    return replace(s, green={"NA-WEST": tip(OLD, previous=None)})


def test_the_decision_that_completes_a_blue_green_release_drops_every_green_ref() -> None:
    switched = [Event(T0, "deploy", region, step) for region in ("NA-WEST", "EU-WEST") for step in (0, 100)]
    passed = [Event(T0, "evaluate", region, step, "pass") for region, step in (("NA-WEST", 0), ("NA-WEST", 100))]
    running = RolloutRecord(
        "g", NEW, "tree-bbbb", (*switched[:2], *passed, *switched[2:], Event(T0, "approve", "EU-WEST"))
    )
    green = {region: green_tip(NEW) for region in ("NA-WEST", "EU-WEST")}
    s = with_policy(snap(rings={r: tip(NEW) for r in ALL}, records=(running,)), BLUE_GREEN, green=green)
    later = T0 + timedelta(hours=2)
    assert not any(isinstance(a, DropGreen) for a in decide(s, T0 + timedelta(minutes=5)).actions)  # in flight: kept
    d = decide(s, later, results("pass"))
    assert TagRelease("g", NEW) in d.actions
    assert [a for a in d.actions if isinstance(a, DropGreen)] == [
        DropGreen("g", "EU-WEST", NEW),
        DropGreen("g", "NA-WEST", NEW),
    ]
    assert "green of EU-WEST" in d.summary and "its green pool follows its ring" in d.summary


def test_a_green_ref_left_on_a_completed_release_is_dropped_by_the_next_pass() -> None:
    d = decide(completed_green_stale(), T0 + timedelta(hours=1))
    assert d.summary.startswith("up to date") and d.actions == (DropGreen("g", "NA-WEST", OLD),)


def test_a_stale_green_goes_with_the_canary_step_written_and_a_live_green_stays() -> None:
    running = replace(green_snapshot(), green={"NA-WEST": green_tip(NEW), "EU-WEST": green_tip(OLD)})
    d = decide(running, T0 + timedelta(minutes=30), results("pass"))  # NA-WEST switches
    assert isinstance(d.actions[0], WriteRings)
    assert [a for a in d.actions if isinstance(a, DropGreen)] == [DropGreen("g", "EU-WEST", OLD)]
    canary = RolloutRecord("g", NEW, "tree-bbbb", (Event(T0, "deploy", "NA-WEST", 10),))
    s = replace(snap(rings=at_step([("NA-WEST", 10)]), records=(canary,)), green={"NA-WEST": green_tip(OLD)})
    d = decide(s, T0 + timedelta(minutes=30), results("pass"))
    assert isinstance(d.actions[0], WriteRings) and DropGreen("g", "NA-WEST", OLD) in d.actions


def test_a_switched_back_green_is_reverted_then_dropped_by_the_next_pass() -> None:
    d = decide(green_snapshot(), T0 + timedelta(minutes=30), results("critical"))
    reverts = d.actions[0]
    assert isinstance(reverts, RevertRings) and [g.region for g in reverts.green] == ["NA-WEST"]
    assert not any(isinstance(a, DropGreen) for a in d.actions)  # one push moves green once
    ended = green_snapshot(Event(T0 + timedelta(minutes=30), "rollback", reason="critical"))
    back = replace(green_tip(OLD, previous=NEW), rollback_of=NEW)
    s = replace(ended, green={"NA-WEST": back}, main_reverted=frozenset({NEW}))
    assert decide(s, T0 + timedelta(hours=1)).actions == (DropGreen("g", "NA-WEST", OLD),)


def test_a_green_pool_server_on_a_stale_green_is_drift_in_status_and_on_the_page() -> None:
    s = completed_green_stale()
    assert desired_for("green", "NA-WEST", 10, s) == NEW[:12]  # its ring's: green is not live
    now = T0 + timedelta(seconds=10)
    reports = Reports(
        (
            ServerReport("NA-WEST", "na-green-1", OLD[:12], now, "green"),
            ServerReport("NA-WEST", "na-blue-1", NEW[:12], now),
        )
    )
    view = observe(s, reports, now)
    assert {v.server: (v.desired, v.state) for v in view.servers} == {
        "na-green-1": (NEW[:12], "drift"),
        "na-blue-1": (NEW[:12], "ok"),
    }
    status = game_status(s, now, view)
    assert not status["upToDate"] and status["observed"]["drifting"] == ["na-green-1"]
    assert "1/2 servers on their ring's release" in status["summary"]
    page = render([s], now, {"g": view})
    assert 'class="observed drift"' in page and "1 on another revision: na-green-1" in page
