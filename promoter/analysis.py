"""Judging one check: render its queries, classify candidate against baseline (the old form); the
sequential judge's batches and evidence as the ledger keeps them (the new form). Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from judge import Batch, CheckSpec, Judgement, lookup
from pipeline.policy import Check, Threshold
from pipeline.template import scan
from promoter.model import VERDICT_ORDER, CheckResult, Event, Verdict


def escape_label_value(value: str) -> str:
    """Escape a value for a double-quoted PromQL label matcher: it can never close the quotes."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def promql_duration(value: timedelta) -> str:
    seconds = max(1, int(value.total_seconds()))
    return f"{seconds}s"


def render(template: str, variables: dict[str, str]) -> str:
    """Fill `{{name}}` from `variables`, every value escaped; an unknown variable is an error."""

    out: list[str] = []
    for part in scan(template).parts:
        if isinstance(part, str):
            out.append(part)
        elif part.name in variables:
            out.append(escape_label_value(variables[part.name]))
        else:
            raise KeyError(part.name[:40])
    return "".join(out)


def _fires(threshold: Threshold, candidate: float, baseline: float | None) -> bool | None:
    """Whether the threshold is crossed; None when it cannot be told (no baseline for a relative one).

    A zero baseline: no relative change can be computed, so a candidate of zero never fires,
    and any increase over zero counts as an infinite increase (fires relativeIncrease); a
    decrease below zero is impossible for the rates and ratios checks measure (never fires).
    """
    if threshold.op == "above":
        return candidate > threshold.value
    if threshold.op == "below":
        return candidate < threshold.value
    if baseline is None:
        return None
    if baseline == 0:
        return threshold.op == "relativeIncrease" and candidate > 0
    change = (candidate - baseline) / abs(baseline)
    moved = change if threshold.op == "relativeIncrease" else -change
    # Exactly at the threshold does not fire; (1.05 - 1.0) / 1.0 is 0.0500000000000000444 in floats.
    return moved > threshold.value and not math.isclose(moved, threshold.value, rel_tol=1e-9)


def classify(check: Check, candidate: float | None, baseline: float | None) -> CheckResult:
    """pass | warning | critical | inconclusive, from the values the queries returned."""
    if candidate is None or (check.baseline is not None and baseline is None):
        missing = "candidate" if candidate is None else "baseline"
        return CheckResult(check.name, "inconclusive", candidate, baseline, f"no data for the {missing}")
    levels: tuple[tuple[Verdict, Threshold | None], ...] = (("critical", check.critical), ("warning", check.warning))
    for level, threshold in levels:
        if threshold is None:
            continue
        fired = _fires(threshold, candidate, baseline)
        if fired:
            return CheckResult(
                check.name,
                level,
                candidate,
                baseline,
                f"{level}: {describe_values(candidate, baseline)} crosses {threshold.describe()}",
            )
    return CheckResult(check.name, "pass", candidate, baseline, describe_values(candidate, baseline))


def describe_values(candidate: float | None, baseline: float | None) -> str:
    text = f"candidate {_num(candidate)}"
    if baseline is not None:
        text += f" vs baseline {_num(baseline)}"
        if candidate is not None and baseline != 0:
            text += f" ({(candidate - baseline) / abs(baseline):+.1%})"
    return text


def _num(value: float | None) -> str:
    if value is None:
        return "none"
    if math.isfinite(value) and value != 0 and abs(value) < 0.001:
        return f"{value:.3g}"
    return f"{value:.4g}"


def worst(results: tuple[CheckResult, ...]) -> Verdict:
    verdicts = {r.verdict for r in results} - {"n/a"}
    return next((v for v in VERDICT_ORDER if v in verdicts), "pass")


# --- the sequential judge's checks (`test: rate | mean | absolute`) -------------------------------

Reads = Mapping[str, float]


def next_batch(check: Check, cumulative: Reads, previous: Reads | None) -> dict[str, float]:
    """This evaluation's batch: the increase of each counter since the previous evaluation of the
    same step (reads are cumulative since the step landed); a gauge's samples are a batch as read."""
    if check.gauge is not None or previous is None:
        return {key: max(0.0, value) for key, value in cumulative.items()}
    return {key: max(0.0, value - previous.get(key, 0.0)) for key, value in cumulative.items()}


def to_batch(test: str, reads: Reads) -> Batch:
    """A ledger batch as the judge's value: its kind reads it."""
    return lookup(test).batch(reads)


def region_batches(history: Sequence[Event], check: str) -> list[Mapping[str, float]]:
    """The check's batches of every evaluation of the region so far, oldest first."""
    return [
        result.evidence["batch"]
        for event in history
        for result in event.checks
        if result.name == check and result.evidence is not None and isinstance(result.evidence.get("batch"), Mapping)
    ]


def previous_reads(history: Sequence[Event], step: int, check: str) -> Reads | None:
    """The check's cumulative reads at the step's latest evaluation that has them."""
    for event in reversed(history):
        if event.step != step:
            continue
        for result in event.checks:
            if (
                result.name == check
                and result.evidence is not None
                and isinstance(result.evidence.get("step"), Mapping)
            ):
                reads: Reads = result.evidence["step"]
                return reads
    return None


def judged_result(check: Check, spec: CheckSpec, judgement: Judgement, cumulative: Reads, batch: Reads) -> CheckResult:
    """The check's result for the ledger: the judge's verdict, numbers and the reads behind them."""
    evidence = judgement.evidence
    counts = {_camel(key): _finite(value) for key, value in evidence.counts}
    need = evidence.need
    shown: dict[str, Any] = {
        "test": spec.test,
        "alpha": evidence.alpha,
        "estimate": _finite(evidence.estimate),
        "lower": _finite(evidence.lower),
        "upper": _finite(evidence.upper),
        "critical": _signed(spec, spec.critical),
        "warning": _signed(spec, spec.warning),
        "counts": counts,
        "need": {
            "events": need.events,
            "neededEvents": _finite(need.needed_events),
            "unit": need.unit,
            "intervalsToGo": _finite(need.intervals_to_go),
            "met": need.met,
            "text": need.describe(),
        },
        "step": dict(cumulative),
        "batch": dict(batch),
    }
    candidate, baseline = lookup(spec.test).levels(counts)
    return CheckResult(check.name, judgement.verdict, candidate, baseline, judgement.reason, shown)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _signed(spec: CheckSpec, tolerance: float | None) -> float | None:
    if tolerance is None or not spec.relative:
        return tolerance
    return spec.sign * tolerance
