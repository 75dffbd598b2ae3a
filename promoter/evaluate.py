"""Run one step's checks against a metric source: queries concurrently; the old form's verdicts by
analysis.classify, the new form's by the sequential judge over the region's batches."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from judge import Read, check_alpha, judge, lookup
from pipeline.policy import Check, check_spec, judge_settings_of
from promoter.analysis import (
    classify,
    describe_values,
    escape_label_value,
    judged_result,
    next_batch,
    previous_reads,
    promql_duration,
    region_batches,
    render,
    to_batch,
)
from promoter.metrics import MetricsError, MetricsSource
from promoter.model import CheckResult, EvaluationRequest

MAX_PARALLEL_QUERIES = 8

Answer = float | MetricsError | None


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
    reads = Queries(source, request, at)
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_QUERIES) as pool:
        exposure = pool.submit(_query, source, policy.exposure_query, values, at) if policy.exposure_query else None
        old = [pool.submit(_check, source, check, values, at) for check in policy.checks if check.test is None]
        reads.run(pool)
        results = {r.name: r for r in (f.result() for f in old)}
        results.update({r.name: r for r in _judged(request, reads)})
        ordered = tuple(results[check.name] for check in policy.checks)
        if exposure is not None:
            gated = _gate(exposure.result(), policy.exposure_minimum, ordered)
            if gated is not None:
                return gated
    return ordered


def _gate(seen: Answer, minimum: float, results: tuple[CheckResult, ...]) -> tuple[CheckResult, ...] | None:
    """Below the exposure minimum every check is inconclusive; a failed exposure query, an error."""
    if isinstance(seen, MetricsError):
        return tuple(CheckResult(r.name, "error", message=f"exposure query failed: {seen}") for r in results)
    if seen is not None and seen >= minimum:
        return None
    shown = "no data" if seen is None else f"{seen:g}"
    return tuple(
        CheckResult(r.name, "inconclusive", r.candidate, r.baseline, f"exposure {shown} below the minimum {minimum:g}")
        for r in results
    )


def _query(
    source: MetricsSource, template: str | None, values: dict[str, str], at: datetime
) -> float | MetricsError | None:
    if template is None:
        return None
    try:
        query = render(template, values)
    except KeyError as exc:  # the validator refuses these; a policy is still read defensively
        return MetricsError(f"unknown variable {{{{{exc.args[0]}}}}} in the query")
    return _ask(source, query, at)


def _ask(source: MetricsSource, promql: str, at: datetime) -> Answer:
    try:
        return source.query(promql, at)
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


# --- the new form: counters since the step landed, judged over the region's batches ---------------


def selector(metric: str, game: str, region: str, revision: str) -> str:
    """`metric{game="G",region="R",config_revision="REV"}`: a metric name (validated by the schema)
    and label values escaped, so no value can close its quotes."""
    labels = {"game": game, "region": region, "config_revision": revision}
    inner = ",".join(f'{key}="{escape_label_value(value)}"' for key, value in labels.items())
    return f"{metric}{{{inner}}}"


def counter_query(metric: str, game: str, region: str, revision: str, seconds: int) -> str:
    return f"sum(increase({selector(metric, game, region, revision)}[{seconds}s]))"


def gauge_queries(metric: str, game: str, region: str, revision: str) -> tuple[str, str, str]:
    """Sum, sum of squares and count of the gauge across the cohort's servers, at the evaluation."""
    sel = selector(metric, game, region, revision)
    return f"sum({sel})", f"sum({sel} ^ 2)", f"count({sel})"


def window_seconds(request: EvaluationRequest, at: datetime) -> int:
    """The window since the step landed, so a partial window cannot bias the reads."""
    if request.landed is None:
        return 1
    return max(1, math.ceil((at - request.landed).total_seconds()))


class Queries:
    """Every PromQL the judged checks need, asked once each, concurrently."""

    def __init__(self, source: MetricsSource, request: EvaluationRequest, at: datetime) -> None:
        self.source, self.request, self.at = source, request, at
        self.seconds = window_seconds(request, at)
        self.wanted: dict[tuple[str, str], str] = {}  # (check, read key) -> PromQL
        policy = request.policy
        for check in policy.judged:
            for key, promql in self._plan(check).items():
                self.wanted[(check.name, key)] = promql
        self.answers: dict[str, Answer] = {}

    def _plan(self, check: Check) -> dict[str, str]:
        """The check's reads per cohort, as its kind names them ("candidateEvents" -> PromQL)."""
        request = self.request
        assert check.test is not None
        kind = lookup(check.test)
        if kind.relative and not request.baseline:
            return {}  # no baseline cohort at this step: the check does not apply
        cohorts = {"candidate": request.revision}
        if kind.relative:
            cohorts["baseline"] = request.baseline or ""
        reads = kind.reads(check.metrics, request.policy.exposure_counter or "")
        plan: dict[str, str] = {}
        for side, revision in cohorts.items():
            where = (request.game, request.region, revision)
            for read in reads:
                plan[f"{side}{read.key}"] = self._promql(read, where)
        return plan

    def _promql(self, read: Read, where: tuple[str, str, str]) -> str:
        if read.how == "increase":
            return counter_query(read.metric, *where, self.seconds)
        total, squares, count = gauge_queries(read.metric, *where)
        return {"sum": total, "squares": squares, "count": count}[read.how]

    def run(self, pool: ThreadPoolExecutor) -> None:
        unique = sorted(set(self.wanted.values()))
        futures = {promql: pool.submit(_ask, self.source, promql, self.at) for promql in unique}
        self.answers = {promql: future.result() for promql, future in futures.items()}

    def of(self, check: str) -> dict[str, Answer]:
        return {key: self.answers[promql] for (name, key), promql in self.wanted.items() if name == check}


def _judged(request: EvaluationRequest, reads: Queries) -> list[CheckResult]:
    policy = request.policy
    settings = judge_settings_of(policy)
    alpha = check_alpha(settings, len(policy.judged))  # split over every judged check, at every step
    results: list[CheckResult] = []
    for check in policy.judged:
        answers = reads.of(check.name)
        if not answers:
            results.append(
                CheckResult(check.name, "n/a", message="no baseline cohort at this step; only absolute checks judge")
            )
            continue
        # With an exposure query the old gate applies to every check; else the minimum is in the counter's units.
        problem = _problem(check.name, answers, 0.0 if policy.exposure_query else policy.exposure_minimum)
        if problem is not None:
            results.append(problem)
            continue
        cumulative = {key: value if isinstance(value, float) else 0.0 for key, value in answers.items()}
        batch = next_batch(check, cumulative, previous_reads(request.history, request.step, check.name))
        spec = check_spec(check)
        batches = [to_batch(spec.test, b) for b in (*region_batches(request.history, check.name), batch)]
        evidence = lookup(spec.test).evaluate(spec, batches, alpha, settings)
        results.append(judged_result(check, spec, judge(spec, evidence), cumulative, batch))
    return results


def _problem(name: str, answers: Mapping[str, Answer], exposure_minimum: float) -> CheckResult | None:
    """A failed read is the check's error; no exposure, or too little, is inconclusive. A missing
    event, sum or count series reads as zero (a revision with no crash yet exports none)."""
    failed = next((v for v in answers.values() if isinstance(v, MetricsError)), None)
    if failed is not None:
        return CheckResult(name, "error", message=f"query failed: {failed}")
    for side in ("candidate", "baseline"):
        key = f"{side}Exposure"
        if key in answers and answers[key] is None:
            return CheckResult(name, "inconclusive", message=f"no data for the {side}'s exposure")
    seen = answers.get("candidateExposure")
    if isinstance(seen, float) and seen < exposure_minimum:
        return CheckResult(
            name,
            "inconclusive",
            message=f"exposure {seen:g} below the minimum {exposure_minimum:g} since the step landed",
        )
    return None


Evaluator = Callable[[EvaluationRequest, datetime], tuple[CheckResult, ...]]
