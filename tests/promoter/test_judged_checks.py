"""The new check form in the evaluation: PromQL from metric names, batches from cumulative reads,
evidence across a region's steps. A plain answer table stands in for Prometheus here; the
integration tests use the real one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.policy import Check, Region, RolloutPolicy, Threshold
from promoter.analysis import next_batch, previous_reads, region_batches
from promoter.evaluate import counter_query, evaluate, gauge_queries, selector
from promoter.metrics import MetricsError
from promoter.model import EvaluationRequest, Event

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CHURN = Check(
    "churn",
    "",
    None,
    Threshold("relativeIncrease", 0.05),
    Threshold("relativeIncrease", 0.02),
    test="rate",
    events="churned_total",
)
COMPLAINTS = Check("complaints", "", None, Threshold("above", 0.01), None, test="absolute", events="complaints_total")
HEALTH = Check("health", "", None, Threshold("relativeDecrease", 0.2), None, test="mean", gauge="health")
POLICY = RolloutPolicy(
    "g",
    "canary",
    (10, 50, 90, 100),
    (Region("NA-WEST", (10, 50, 90, 100), timedelta(minutes=30), False),),
    (CHURN, COMPLAINTS, HEALTH),
    exposure_counter="player_seconds_total",
    exposure_minimum=10,
)


@dataclass
class Answers:
    """PromQL -> answer; anything not listed has no data. Records what was asked."""

    table: dict[str, float | MetricsError] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def query(self, promql: str, at: datetime) -> float | None:
        self.asked.append(promql)
        value = self.table.get(promql)
        if isinstance(value, MetricsError):
            raise value
        return value


def request(baseline: str | None = "b" * 12, history: tuple[Event, ...] = (), step: int = 10) -> EvaluationRequest:
    return EvaluationRequest("g", "NA-WEST", step, "c" * 12, baseline, POLICY, T0, history)


def fleet(seconds: int, candidate: tuple[float, float], baseline: tuple[float, float]) -> Answers:
    """Churn events and player-seconds since the step landed, per cohort; a healthy gauge."""
    answers = Answers()
    for revision, (events, exposure) in (("c" * 12, candidate), ("b" * 12, baseline)):
        answers.table[counter_query("churned_total", "g", "NA-WEST", revision, seconds)] = events
        answers.table[counter_query("player_seconds_total", "g", "NA-WEST", revision, seconds)] = exposure
        for promql, value in zip(gauge_queries("health", "g", "NA-WEST", revision), (90.0, 90.5, 100.0), strict=True):
            answers.table[promql] = value
    return answers


def test_the_promql_is_built_from_names_with_escaped_label_values() -> None:
    sel = selector("churned_total", 'a"} or vector(1) #', "NA-WEST", "c\\d\n")
    assert sel == 'churned_total{game="a\\"} or vector(1) #",region="NA-WEST",config_revision="c\\\\d\\n"}'
    assert (
        counter_query("x_total", "g", "R", "rev", 90)
        == 'sum(increase(x_total{game="g",region="R",config_revision="rev"}[90s]))'
    )
    assert gauge_queries("h", "g", "R", "rev") == (
        'sum(h{game="g",region="R",config_revision="rev"})',
        'sum(h{game="g",region="R",config_revision="rev"} ^ 2)',
        'count(h{game="g",region="R",config_revision="rev"})',
    )


def test_reads_cover_the_window_since_the_step_landed_and_give_evidence() -> None:
    answers = fleet(1800, candidate=(2000.0, 1_800_000.0), baseline=(18_000.0, 16_200_000.0))
    churn, complaints, health = evaluate(answers, request(), T0 + timedelta(minutes=30))
    assert all("[1800s]" in q for q in answers.asked if "increase" in q)
    assert churn.verdict == "pass" and churn.evidence is not None
    assert churn.evidence["counts"] == {
        "candidateEvents": 2000.0,
        "candidateExposure": 1_800_000.0,
        "baselineEvents": 18_000.0,
        "baselineExposure": 16_200_000.0,
    }
    assert churn.evidence["need"]["met"] is True
    assert churn.evidence["step"] == churn.evidence["batch"] == churn.evidence["counts"]
    assert churn.candidate == pytest.approx(4.0) and churn.baseline == pytest.approx(4.0)  # per player-hour
    assert churn.evidence["critical"] == 0.05 and churn.evidence["lower"] < 0 < churn.evidence["upper"]
    # no complaints series: none yet, zero events over 100 player-hours
    assert complaints.evidence is not None and complaints.evidence["counts"]["candidateEvents"] == 0.0
    assert complaints.evidence["counts"]["candidateExposure"] == pytest.approx(500.0)
    assert health.evidence is not None and health.evidence["test"] == "mean"
    assert health.evidence["critical"] == -0.2


def test_each_evaluation_adds_the_increase_since_the_previous_one_of_the_step() -> None:
    first = fleet(1800, candidate=(40.0, 36_000.0), baseline=(360.0, 324_000.0))
    results = evaluate(first, request(), T0 + timedelta(minutes=30))
    assert results[0].verdict == "hold" and "needs ~" in results[0].message
    history = (Event(T0 + timedelta(minutes=30), "evaluate", "NA-WEST", 10, "hold", "", results),)
    second = fleet(3600, candidate=(100.0, 72_000.0), baseline=(720.0, 648_000.0))
    churn = evaluate(second, request(history=history), T0 + timedelta(hours=1))[0]
    assert churn.evidence is not None
    assert churn.evidence["batch"] == {
        "candidateEvents": 60.0,
        "candidateExposure": 36_000.0,
        "baselineEvents": 360.0,
        "baselineExposure": 324_000.0,
    }
    assert churn.evidence["counts"]["candidateEvents"] == 100.0  # both batches of the region


def test_a_new_step_starts_its_window_and_keeps_the_region_batches() -> None:
    at_10 = evaluate(fleet(1800, (40.0, 36_000.0), (360.0, 324_000.0)), request(), T0 + timedelta(minutes=30))
    history = (Event(T0, "evaluate", "NA-WEST", 10, "hold", "", at_10),)
    assert previous_reads(history, 50, "churn") is None and previous_reads(history, 10, "churn") is not None
    at_50 = evaluate(
        fleet(1800, (200.0, 180_000.0), (200.0, 180_000.0)),
        request(history=history, step=50),
        T0 + timedelta(minutes=30),
    )
    assert at_50[0].evidence is not None
    assert at_50[0].evidence["batch"]["candidateEvents"] == 200.0
    assert at_50[0].evidence["counts"]["candidateEvents"] == 240.0
    assert len(region_batches((*history, Event(T0, "evaluate", "NA-WEST", 50, "hold", "", at_50)), "churn")) == 2


def test_a_step_of_100_judges_only_absolute_checks() -> None:
    answers = fleet(1800, (400.0, 360_000.0), (0.0, 0.0))
    churn, complaints, health = evaluate(answers, request(baseline=None, step=100), T0 + timedelta(minutes=30))
    assert (churn.verdict, health.verdict) == ("n/a", "n/a") and "only absolute checks" in churn.message
    assert complaints.evidence is not None
    assert not any('config_revision=""' in q for q in answers.asked)


def test_a_failed_read_is_that_checks_error_and_no_exposure_is_inconclusive() -> None:
    answers = fleet(1800, (400.0, 360_000.0), (3600.0, 3_240_000.0))
    answers.table[counter_query("churned_total", "g", "NA-WEST", "c" * 12, 1800)] = MetricsError("HTTP 500")
    churn, complaints, _ = evaluate(answers, request(), T0 + timedelta(minutes=30))
    assert churn.verdict == "error" and "HTTP 500" in churn.message and churn.evidence is None
    assert complaints.verdict in {"pass", "hold"}
    del answers.table[counter_query("player_seconds_total", "g", "NA-WEST", "c" * 12, 1800)]
    _, complaints, _ = evaluate(answers, request(), T0 + timedelta(minutes=30))
    assert complaints.verdict == "inconclusive" and "no data for the candidate's exposure" in complaints.message
    answers.table[counter_query("player_seconds_total", "g", "NA-WEST", "c" * 12, 1800)] = 5.0
    _, complaints, _ = evaluate(answers, request(), T0 + timedelta(minutes=30))
    assert complaints.verdict == "inconclusive" and "exposure 5 below the minimum 10" in complaints.message


def test_a_regression_is_critical_with_its_bounds() -> None:
    answers = fleet(1800, candidate=(800.0, 360_000.0), baseline=(3600.0, 3_240_000.0))
    churn = evaluate(answers, request(), T0 + timedelta(minutes=30))[0]
    assert churn.verdict == "critical" and churn.evidence is not None
    assert churn.evidence["estimate"] == pytest.approx(1.0) and churn.evidence["lower"] > 0.05
    assert "beyond the critical tolerance +5%" in churn.message


def test_batches_never_go_negative() -> None:
    assert next_batch(CHURN, {"candidateEvents": 5.0}, {"candidateEvents": 7.0}) == {"candidateEvents": 0.0}
    assert next_batch(HEALTH, {"candidateSum": 5.0}, {"candidateSum": 7.0}) == {"candidateSum": 5.0}  # a gauge


def test_the_ledger_reads_old_records_without_evidence_and_round_trips_new_ones() -> None:
    old = {"at": T0.isoformat(), "type": "evaluate", "checks": [{"name": "churn", "verdict": "pass", "candidate": 1.0}]}
    (result,) = Event.from_json(old).checks
    assert result.evidence is None and result.as_json()["evidence"] is None
    answers = fleet(1800, candidate=(40.0, 36_000.0), baseline=(360.0, 324_000.0))
    results = evaluate(answers, request(), T0 + timedelta(minutes=30))
    event = Event(T0, "evaluate", "NA-WEST", 10, "hold", "", results)
    assert Event.from_json(json.loads(json.dumps(event.as_json()))) == event
