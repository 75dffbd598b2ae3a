from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.policy import Check, Threshold
from promoter.analysis import classify, escape_label_value, promql_duration, render, worst
from promoter.model import CheckResult


def check(critical: Threshold | None = None, warning: Threshold | None = None, baseline: bool = True) -> Check:
    return Check("c", "q", "b" if baseline else None, critical, warning)


@pytest.mark.parametrize(
    ("threshold", "candidate", "baseline", "verdict"),
    [
        # relativeIncrease 5%: exactly 5% does not fire, just over does
        (Threshold("relativeIncrease", 0.05), 1.05, 1.0, "pass"),
        (Threshold("relativeIncrease", 0.05), 1.0501, 1.0, "critical"),
        (Threshold("relativeIncrease", 0.05), 0.5, 1.0, "pass"),
        # relativeDecrease 20%
        (Threshold("relativeDecrease", 0.2), 0.8, 1.0, "pass"),
        (Threshold("relativeDecrease", 0.2), 0.79, 1.0, "critical"),
        (Threshold("relativeDecrease", 0.2), 1.5, 1.0, "pass"),
        # a zero baseline: no change from zero passes, any increase over zero fires an increase check
        (Threshold("relativeIncrease", 0.05), 0.0, 0.0, "pass"),
        (Threshold("relativeIncrease", 0.05), 0.001, 0.0, "critical"),
        (Threshold("relativeDecrease", 0.2), 0.0, 0.0, "pass"),
        # negative baselines are compared by magnitude
        (Threshold("relativeIncrease", 0.5), -0.4, -1.0, "critical"),
    ],
)
def test_relative_thresholds(threshold: Threshold, candidate: float, baseline: float, verdict: str) -> None:
    assert classify(check(critical=threshold), candidate, baseline).verdict == verdict


@pytest.mark.parametrize(
    ("threshold", "candidate", "verdict"),
    [
        (Threshold("above", 0.01), 0.01, "pass"),
        (Threshold("above", 0.01), 0.0101, "critical"),
        (Threshold("below", 0.5), 0.5, "pass"),
        (Threshold("below", 0.5), 0.49, "critical"),
    ],
)
def test_absolute_thresholds(threshold: Threshold, candidate: float, verdict: str) -> None:
    assert classify(check(critical=threshold, baseline=False), candidate, None).verdict == verdict


def test_critical_wins_over_warning_and_warning_fires_alone() -> None:
    c = check(Threshold("relativeIncrease", 0.05), Threshold("relativeIncrease", 0.02))
    assert classify(c, 1.10, 1.0).verdict == "critical"
    assert classify(c, 1.03, 1.0).verdict == "warning"
    assert classify(c, 1.01, 1.0).verdict == "pass"


def test_missing_values_are_inconclusive_never_a_verdict() -> None:
    c = check(Threshold("relativeIncrease", 0.05))
    assert classify(c, None, 1.0).verdict == "inconclusive"
    assert classify(c, 1.0, None).verdict == "inconclusive"
    assert "no data for the baseline" in classify(c, 1.0, None).message


def test_worst_verdict_order() -> None:
    def results(*verdicts: str) -> tuple[CheckResult, ...]:
        return tuple(CheckResult(str(i), v) for i, v in enumerate(verdicts))  # type: ignore[arg-type]

    assert worst(results("pass", "inconclusive", "error")) == "error"
    assert worst(results("error", "warning")) == "warning"
    assert worst(results("warning", "critical", "pass")) == "critical"
    assert worst(()) == "pass"


def test_values_cannot_inject_matchers() -> None:
    template = 'x{game="{{game}}",config_revision="{{revision}}"}'
    hostile = 'a",config_revision=~".*'
    rendered = render(template, {"game": hostile, "revision": "abc"})
    assert rendered == 'x{game="a\\",config_revision=~\\".*",config_revision="abc"}'
    assert escape_label_value('back\\slash\nnew"line') == 'back\\\\slash\\nnew\\"line'
    with pytest.raises(KeyError):
        render("{{unknown}}", {})


def test_interval_renders_as_promql_seconds() -> None:
    assert promql_duration(timedelta(minutes=30)) == "1800s"
    assert promql_duration(timedelta(milliseconds=10)) == "1s"


def test_checks_that_do_not_apply_are_na_never_pass() -> None:
    from datetime import UTC, datetime

    from promoter.evaluate import evaluate
    from promoter.model import EvaluationRequest
    from tests.promoter.snapshots import POLICY

    class Steady:
        def query(self, promql: str, at: datetime) -> float | None:
            return 1.0

    # At a region's 100% step there is no baseline cohort: the relative-only check does not apply.
    request = EvaluationRequest("g", "NA-WEST", 100, "b" * 12, None, POLICY)
    (churn,) = evaluate(Steady(), request, datetime(2026, 11, 1, tzinfo=UTC))
    assert churn.verdict == "n/a" and "not applicable" in churn.message
    assert worst((churn,)) == "pass"  # it judges nothing: the step is not held by it
    assert worst((churn, CheckResult("crashes", "warning"))) == "warning"
