"""The judge's `hold` in the decision, on plain values: not promoted, evaluated again, paused as
inconclusive past maxDuration with the numbers; evidence carried across a region's steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from pipeline.policy import JudgeSettings
from promoter.decide import decide, decide_approve
from promoter.model import AppendEvents, CheckResult, Event, GameSnapshot, WriteRings
from tests.promoter.snapshots import NEW, POLICY, T0, at_step, record, snap

HOLDING = replace(POLICY, judge=JudgeSettings(max_duration=timedelta(hours=2)))


def evidence(batch_events: float, met: bool = False) -> dict[str, Any]:
    text = "needs ~430 churn events, has 212, ~1.1 intervals to go"
    return {
        "test": "rate",
        "need": {"events": 212, "neededEvents": 430, "unit": "churn events", "met": met, "text": text},
        "step": {"candidateEvents": batch_events},
        "batch": {"candidateEvents": batch_events},
    }


def held(candidate: float = 0.004) -> tuple[CheckResult, ...]:
    return (CheckResult("churn", "hold", candidate, 0.004, "churn +3.1% [-8.0%, +15.0%]", evidence(212)),)


def holding_snap(*events: Event, landed_step: int = 10) -> GameSnapshot:
    rings = at_step([("NA-WEST", p) for p in (10, 50, 100) if p <= landed_step])
    base = snap(rings=rings, records=(record(*events),))
    infos = {sha: replace(info, policy=HOLDING) for sha, info in base.releases.items()}
    return replace(base, releases=infos)


def appended(actions: tuple[object, ...]) -> tuple[Event, ...]:
    (events,) = [a for a in actions if isinstance(a, AppendEvents)]
    return events.events


def test_a_hold_is_not_promoted_and_is_evaluated_again_after_an_interval() -> None:
    s = holding_snap()
    now = T0 + timedelta(minutes=30)
    d = decide(s, now, held())
    assert not any(isinstance(a, WriteRings) for a in d.actions)
    (evaluated,) = appended(d.actions)
    assert (evaluated.type, evaluated.outcome) == ("evaluate", "hold")
    assert evaluated.checks[0].evidence == evidence(212)  # the ledger keeps the judge's numbers
    assert "holding (churn needs ~430 churn events, has 212, ~1.1 intervals to go)" in d.summary

    after = holding_snap(evaluated)
    assert decide(after, now + timedelta(minutes=29)).evaluate is None  # waits another interval
    assert decide(after, now + timedelta(minutes=30)).evaluate is not None


def test_the_hold_verdict_ranks_below_inconclusive_and_above_pass() -> None:
    mixed = (*held(), CheckResult("crash-rate", "pass", 0.1, 0.1, "ok"))
    (evaluated,) = appended(decide(holding_snap(), T0 + timedelta(minutes=30), mixed).actions)
    assert evaluated.outcome == "hold"
    worse = (*held(), CheckResult("crash-rate", "inconclusive", None, None, "no data"))
    (evaluated, *_) = appended(decide(holding_snap(), T0 + timedelta(minutes=30), worse).actions)
    assert evaluated.outcome == "inconclusive"


def test_a_step_holding_past_max_duration_pauses_as_inconclusive_with_the_numbers() -> None:
    earlier = Event(T0 + timedelta(minutes=90), "evaluate", "NA-WEST", 10, "hold", "", held())
    d = decide(holding_snap(earlier), T0 + timedelta(hours=2), held())
    evaluated, pause = appended(d.actions)
    assert (pause.type, pause.outcome) == ("pause", "inconclusive")
    assert (
        pause.reason == "NA-WEST/10 still holds after 2h: churn needs ~430 churn events, has 212, ~1.1 intervals to go"
    )
    assert d.summary == f"paused {NEW[:12]}: {pause.reason}"

    paused = holding_snap(earlier, evaluated, pause)
    waiting = decide(paused, T0 + timedelta(hours=5))
    assert waiting.wait is not None and waiting.evaluate is None and waiting.wait.step == 10

    # Approving evaluates again at once and grants the step another maxDuration.
    (approve,) = appended(decide_approve(paused, T0 + timedelta(hours=5), "NA-WEST", "alice").actions)
    approved = holding_snap(earlier, evaluated, pause, approve)
    again = decide(approved, T0 + timedelta(hours=5))
    assert again.evaluate is not None
    (still,) = appended(decide(approved, T0 + timedelta(hours=5), held()).actions)
    assert still.outcome == "hold"
    _, pause_late = appended(decide(approved, T0 + timedelta(hours=7), held()).actions)
    assert pause_late.reason.startswith("NA-WEST/10 still holds after 2h:")


def test_evidence_carries_across_the_steps_of_a_region_and_restarts_in_the_next() -> None:
    at_10 = Event(T0 + timedelta(minutes=30), "evaluate", "NA-WEST", 10, "pass", "", held())
    deploy_50 = Event(T0 + timedelta(minutes=30), "deploy", "NA-WEST", 50)
    s = holding_snap(at_10, deploy_50, landed_step=50)
    request = decide(s, T0 + timedelta(hours=1, minutes=1)).evaluate
    assert request is not None and request.step == 50
    assert request.history == (at_10,) and request.landed == T0  # the rings' tips landed at T0 in this snapshot

    eu = Event(T0 + timedelta(hours=3), "deploy", "EU-WEST", 100)
    rings = at_step([("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100), ("EU-WEST", 10), ("EU-WEST", 50)])
    rings[("EU-WEST", 100)] = rings[("NA-WEST", 100)]
    base = holding_snap(at_10, deploy_50, eu)
    moved = replace(base, rings=rings, records={NEW: record(at_10, deploy_50, Event(T0, "approve", "EU-WEST"), eu)})
    request = decide(moved, T0 + timedelta(hours=5)).evaluate
    assert request is not None and request.region == "EU-WEST"
    assert request.history == ()  # a new region starts afresh
