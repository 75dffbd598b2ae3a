"""Run one step's checks against a metric source: queries concurrently, verdicts by analysis.classify."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from pipeline.policy import Check
from promoter.analysis import classify, describe_values, promql_duration, render
from promoter.metrics import MetricsError, MetricsSource
from promoter.model import CheckResult, EvaluationRequest

MAX_PARALLEL_QUERIES = 8


def variables(request: EvaluationRequest) -> dict[str, str]:
    region = request.policy.region(request.region)
    interval = region.interval if region else None
    return {
        "game": request.game,
        "region": request.region,
        "revision": request.revision,
        "baseline": request.baseline or "",
        "interval": promql_duration(interval) if interval else "300s",
    }


def evaluate(source: MetricsSource, request: EvaluationRequest, at: datetime) -> tuple[CheckResult, ...]:
    values = variables(request)
    policy = request.policy
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_QUERIES) as pool:
        exposure = pool.submit(_query, source, policy.exposure_query, values, at) if policy.exposure_query else None
        futures = [pool.submit(_check, source, check, values, at) for check in policy.checks]
        results = tuple(f.result() for f in futures)
        if exposure is not None:
            seen = exposure.result()
            if isinstance(seen, MetricsError):
                return tuple(CheckResult(r.name, "error", message=f"exposure query failed: {seen}") for r in results)
            if seen is None or seen < policy.exposure_minimum:
                shown = "no data" if seen is None else f"{seen:g}"
                return tuple(
                    CheckResult(
                        r.name,
                        "inconclusive",
                        r.candidate,
                        r.baseline,
                        f"exposure {shown} below the minimum {policy.exposure_minimum:g}",
                    )
                    for r in results
                )
    return results


def _query(
    source: MetricsSource, template: str | None, values: dict[str, str], at: datetime
) -> float | MetricsError | None:
    if template is None:
        return None
    try:
        query = render(template, values)
    except KeyError as exc:  # the validator refuses these; a policy is still read defensively
        return MetricsError(f"unknown variable {{{{{exc.args[0]}}}}} in the query")
    try:
        return source.query(query, at)
    except MetricsError as exc:
        return exc


def _check(source: MetricsSource, check: Check, values: dict[str, str], at: datetime) -> CheckResult:
    if check.baseline and not values["baseline"]:
        # No baseline cohort (the region is entirely on the candidate): relative thresholds do not apply.
        absolute = [t if t and not t.relative else None for t in (check.critical, check.warning)]
        if not any(absolute):
            return CheckResult(
                check.name, "n/a", message="no baseline cohort at this step; relative threshold not applicable"
            )
        check = replace(check, baseline=None, critical=absolute[0], warning=absolute[1])
    candidate = _query(source, check.query, values, at)
    baseline = _query(source, check.baseline, values, at) if check.baseline and values["baseline"] else None
    failed = [v for v in (candidate, baseline) if isinstance(v, MetricsError)]
    if failed:
        return CheckResult(check.name, "error", message=f"query failed: {failed[0]}")
    assert not isinstance(candidate, MetricsError) and not isinstance(baseline, MetricsError)
    result = classify(check, candidate, baseline)
    return (
        result
        if result.message
        else CheckResult(check.name, result.verdict, candidate, baseline, describe_values(candidate, baseline))
    )


Evaluator = Callable[[EvaluationRequest, datetime], tuple[CheckResult, ...]]
