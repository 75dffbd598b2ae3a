"""Verdicts from bounds, the error budget across checks, and the arithmetic plan/validate show."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from judge.mean import MIN_SAMPLES
from judge.model import (
    JUDGE_ORDER,
    CheckSpec,
    Evidence,
    Expected,
    Judgement,
    JudgeVerdict,
    Requirement,
    Settings,
)
from judge.registry import lookup


def check_alpha(settings: Settings, checks: int) -> float:
    """Bonferroni: each check's confidence sequence gets alpha / checks. A false critical and a false
    warning of one check both need its lower bound to miss, so the two levels share one sequence and
    the chance of any false verdict of the policy in a region stays within alpha."""
    return settings.alpha / max(1, checks)


def judge(spec: CheckSpec, evidence: Evidence) -> Judgement:
    """critical when the bound is beyond the critical tolerance; warning when it is beyond the warning
    one and the critical one is ruled out (hold until then); pass when the bound rules
    the loosest tolerance out or the step has the exposure to catch the detect effect; else hold."""
    if evidence.estimate is None or evidence.lower is None or evidence.upper is None:
        if not evidence.missing:  # both sides report; too few samples to estimate yet
            return Judgement(spec.name, "hold", f"collecting samples (at least {MIN_SAMPLES} a side)", evidence)
        return Judgement(spec.name, "inconclusive", f"no data for the {evidence.missing or 'candidate'}", evidence)
    shown = describe(spec, evidence)
    if spec.critical is not None and _beyond(spec, evidence, spec.critical):
        return Judgement(
            spec.name, "critical", f"{shown}: beyond the critical tolerance {_tol(spec, spec.critical)}", evidence
        )
    if spec.warning is not None and _beyond(spec, evidence, spec.warning):
        beyond = f"{shown}: beyond the warning tolerance {_tol(spec, spec.warning)}"
        # A large regression crosses the warning line first; keep gathering until it is told apart
        # from a critical one, so it is rolled back rather than paused (maxDuration ends the wait).
        if spec.critical is None or _rules_out(spec, evidence, spec.critical):
            return Judgement(spec.name, "warning", beyond, evidence)
        return Judgement(spec.name, "hold", f"{beyond}, not yet told from {_tol(spec, spec.critical)}", evidence)
    if _rules_out(spec, evidence, spec.loosest):
        return Judgement(spec.name, "pass", f"{shown}: rules out {_tol(spec, spec.loosest)}", evidence)
    if evidence.need.met:
        return Judgement(spec.name, "pass", f"{shown}: enough evidence ({evidence.need.describe()})", evidence)
    return Judgement(spec.name, "hold", f"{shown}: {evidence.need.describe()}", evidence)


def _boundary(spec: CheckSpec, tolerance: float) -> float:
    return spec.sign * tolerance if spec.relative else tolerance


def _beyond(spec: CheckSpec, evidence: Evidence, tolerance: float) -> bool:
    line = _boundary(spec, tolerance)
    assert evidence.lower is not None and evidence.upper is not None
    return evidence.lower > line if spec.worse == "up" else evidence.upper < line


def _rules_out(spec: CheckSpec, evidence: Evidence, tolerance: float) -> bool:
    line = _boundary(spec, tolerance)
    assert evidence.lower is not None and evidence.upper is not None
    return evidence.upper < line if spec.worse == "up" else evidence.lower > line


def _tol(spec: CheckSpec, tolerance: float) -> str:
    if spec.relative:
        return f"{spec.sign * tolerance:+.0%}"
    return f"{'>' if spec.worse == 'up' else '<'} {tolerance:g}"


def describe(spec: CheckSpec, evidence: Evidence) -> str:
    """e.g. "churn +3.1% [-2.0%, +8.4%]" or "complaints 0.0031 [0.0027, 0.0036]"."""
    if evidence.estimate is None or evidence.lower is None or evidence.upper is None:
        return f"{spec.name}: no data"
    if spec.relative:
        return f"{spec.name} {_pct(evidence.estimate)} [{_pct(evidence.lower)}, {_pct(evidence.upper)}]"
    return f"{spec.name} {evidence.estimate:.3g} [{evidence.lower:.3g}, {evidence.upper:.3g}]"


def _pct(value: float) -> str:
    if math.isnan(value):
        return "n/a"  # no events on either side yet
    return "+inf" if value == math.inf else f"{value:+.1%}"


def worst(judgements: Sequence[Judgement]) -> JudgeVerdict:
    verdicts = {j.verdict for j in judgements}
    return next((v for v in JUDGE_ORDER if v in verdicts), "pass")


def evaluate_all(
    specs: Sequence[CheckSpec], batches: Sequence[Sequence[Any]], settings: Settings
) -> tuple[Judgement, ...]:
    """Every check of a policy over its batches (same order), with the error budget split."""
    alpha = check_alpha(settings, len(specs))
    return tuple(
        judge(spec, lookup(spec.test).evaluate(spec, data, alpha, settings))
        for spec, data in zip(specs, batches, strict=True)
    )


def requirement(spec: CheckSpec, expected: Expected, settings: Settings, checks: int) -> Requirement:
    """How many intervals a step needs to pass on exposure, for `hotswap plan` and `status`."""
    return lookup(spec.test).requirement(spec, expected, check_alpha(settings, checks), settings)


def unreachable(requirement: Requirement, max_intervals: float, where: str = "") -> str | None:
    """For `hotswap validate`: a one-line refusal with the arithmetic, or None when reachable."""
    if requirement.intervals <= max_intervals:
        return None
    prefix = f"{where}: " if where else ""
    return f"{prefix}{requirement.describe()}, more than maxDuration allows ({max_intervals:g} intervals)"
