"""How evidence reads, on plain dicts: rate, mean and absolute checks, old-form checks, hold and n/a."""

from __future__ import annotations

import math

from promoter.evidence_view import Row, brief, check_json, describe, evidence_of, row
from tests.promoter.evidence_samples import ABSOLUTE, CHURN_NEED, MEAN, RATE


def test_a_rate_check_shows_estimate_bounds_tolerances_counts_and_need() -> None:
    check = {"name": "churn", "verdict": "hold", "message": "m", "evidence": RATE}
    assert describe(check) == (
        "churn +3.1% [-8.0%, +15.0%] (critical +5%, warning +2%); "
        f"candidate 212 / 51k, baseline 1,890 / 460k; {CHURN_NEED}"
    )
    assert row(check) == Row(
        "churn", "hold", "+3.1%", "[-8.0%, +15.0%] (critical +5%, warning +2%)",
        "candidate 212 / 51k, baseline 1,890 / 460k", CHURN_NEED,
    )  # fmt: skip
    assert brief(check) == "churn hold +3.1% [-8.0%, +15.0%]"


def test_a_mean_check_shows_sample_counts_and_builds_its_need_from_numbers() -> None:
    check = {"name": "session-duration", "verdict": "pass", "evidence": MEAN}
    assert describe(check) == (
        "session-duration -4.2% [-12.0%, +3.1%] (warning -10%); "
        "candidate 1,520 (mean 1,834), baseline 14k (mean 1,915); needs ~900 sessions, has 1520"
    )


def test_an_absolute_check_shows_rates_not_percentages() -> None:
    check = {"name": "complaints", "verdict": "pass", "evidence": ABSOLUTE}
    shown = row(check)
    assert (shown.estimate, shown.bounds) == ("0.0031", "[0.0027, 0.0036] (critical 0.01)")
    assert shown.counts == "candidate 44 / 51k"
    assert shown.needs == "needs ~60 complaints, has 44, ~0.4 intervals to go"


def test_missing_or_null_evidence_reads_as_the_old_message() -> None:
    old = {"name": "latency", "verdict": "pass", "candidate": 41.5, "baseline": 40.0, "message": "41.5 vs 40"}
    for check in (old, old | {"evidence": None}, old | {"evidence": "garbage"}):
        assert evidence_of(check) is None
        assert describe(check) == "latency: 41.5 vs 40"
        assert row(check) == Row("latency", "pass", "n/a", "n/a", "41.5 vs 40", "41.5 vs 40")
        assert check_json(check)["evidence"] is None
    assert check_json(old | {"evidence": RATE})["evidence"] == RATE


def test_n_a_and_hold_verdicts_and_missing_numbers_show_as_such() -> None:
    na = {"name": "latency", "verdict": "n/a", "message": "no baseline cohort at this step"}
    assert row(na).verdict == "n/a" and brief(na) == "latency no baseline cohort at this step"
    empty = RATE | {"estimate": None, "lower": math.nan, "upper": None, "counts": {}, "need": None}
    shown = row({"name": "churn", "verdict": "inconclusive", "evidence": empty})
    assert (shown.verdict, shown.estimate, shown.bounds, shown.counts, shown.needs) == (
        "inconclusive", "n/a", "n/a (critical +5%, warning +2%)", "n/a", ""
    )  # fmt: skip


def test_snake_case_and_unknown_counts_are_shown_too() -> None:
    evidence = RATE | {"counts": {"candidate_events": 3, "candidate_exposure": 120, "windows": 2}}
    assert row({"name": "x", "verdict": "hold", "evidence": evidence}).counts == "candidate 3 / 120, windows 2"


def test_large_and_fractional_numbers_stay_readable() -> None:
    evidence = MEAN | {"counts": {"candidateMean": 0.934, "candidateCount": 2345.5, "baselineMean": 18345.2}}
    assert row({"name": "health", "verdict": "pass", "evidence": evidence}).counts == (
        "candidate 2,346 (mean 0.934), baseline mean 18,345"
    )
