"""Judging one check: render its queries, classify candidate against baseline. Pure."""

from __future__ import annotations

import math
from datetime import timedelta

from pipeline.policy import Check, Threshold
from pipeline.template import scan
from promoter.model import VERDICT_ORDER, CheckResult, Verdict


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
