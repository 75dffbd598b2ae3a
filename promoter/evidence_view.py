"""How a check's evidence reads to a person: one line, a table row, a short status phrase.

Pure, and read from the check as JSON (`CheckResult.as_json()`, the ledger's dicts) so every view
shows the same words. Tolerant of what older records lack: a check without `evidence` (the old
instant form, or a ledger written before the judge) reads as its message, and unknown count names
are shown as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from judge import TESTS

NOT_APPLICABLE = "n/a"


def evidence_of(check: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The check's evidence, or None for an old-form check (missing, null or not an object)."""
    evidence = check.get("evidence")
    return evidence if isinstance(evidence, Mapping) else None


def check_json(check: Mapping[str, Any]) -> dict[str, Any]:
    """The check as the status JSON and the API carry it: `evidence` always present (null when none)."""
    return {**check, "evidence": evidence_of(check)}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def _relative(evidence: Mapping[str, Any]) -> bool:
    """Its numbers are relative changes, as its test kind says; a kind no longer known reads as one."""
    test = evidence.get("test")
    kind = TESTS.get(test) if isinstance(test, str) else None
    return kind is None or kind.relative


def _value(evidence: Mapping[str, Any], value: Any) -> str:
    number = _number(value)
    if number is None:
        return NOT_APPLICABLE
    if math.isinf(number):
        return "+inf" if number > 0 else "-inf"
    return f"{number:+.1%}" if _relative(evidence) else f"{number:.3g}"


def estimate(evidence: Mapping[str, Any]) -> str:
    """The estimate: "+3.1%" (a relative change), "0.0031" (an absolute check's rate), or "n/a"."""
    return _value(evidence, evidence.get("estimate"))


def bounds(evidence: Mapping[str, Any]) -> str:
    """The anytime-valid confidence bounds of the estimate: "[-8.0%, +15.0%]"."""
    if _number(evidence.get("lower")) is None and _number(evidence.get("upper")) is None:
        return NOT_APPLICABLE
    return f"[{_value(evidence, evidence.get('lower'))}, {_value(evidence, evidence.get('upper'))}]"


def tolerances(evidence: Mapping[str, Any]) -> str:
    """The tolerances: "critical +5%, warning +2%" (signed relative changes), "critical 0.01" (a limit)."""
    parts = []
    for level in ("critical", "warning"):
        number = _number(evidence.get(level))
        if number is None:
            continue
        parts.append(f"{level} {number:+.0%}" if _relative(evidence) else f"{level} {number:g}")
    return ", ".join(parts)


def _quantity(value: float) -> str:
    """Counts as people read them: 212, 1,890, 51k, 4.6M."""
    for limit, suffix in ((1e6, "M"), (1e4, "k")):
        if abs(value) >= limit:
            return f"{value / (limit if suffix == 'M' else 1e3):.3g}{suffix}"
    return f"{value:,.0f}" if value == round(value) or abs(value) >= 100 else f"{value:.3g}"


def _mean(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _key(name: str) -> str:
    """candidateEvents and candidate_events alike (the judge names counts in snake case)."""
    return name.replace("_", "").lower()


def counts(evidence: Mapping[str, Any]) -> str:
    """Events / exposure per cohort ("candidate 212 / 51k, baseline 1,890 / 460k"), or sample counts and means."""
    raw = evidence.get("counts")
    if not isinstance(raw, Mapping) or not raw:
        return NOT_APPLICABLE
    known: dict[str, float | None] = {_key(k): _number(v) for k, v in raw.items()}
    sides = []
    for side in ("candidate", "baseline"):
        events, exposure = known.get(f"{side}events"), known.get(f"{side}exposure")
        mean, count = known.get(f"{side}mean"), known.get(f"{side}count")
        if events is not None and exposure is not None:
            sides.append(f"{side} {_quantity(events)} / {_quantity(exposure)}")
        elif count is not None:
            sides.append(f"{side} {_quantity(count)}" + (f" (mean {_mean(mean)})" if mean is not None else ""))
        elif mean is not None:
            sides.append(f"{side} mean {_mean(mean)}")
    shown = {f"{s}{k}" for s in ("candidate", "baseline") for k in ("events", "exposure", "mean", "count")}
    rest = [f"{k} {_shown(v)}" for k, v in raw.items() if _key(k) not in shown]
    return ", ".join(sides + rest) or NOT_APPLICABLE


def _shown(value: Any) -> str:
    number = _number(value)
    return _quantity(number) if number is not None else NOT_APPLICABLE


def needs(evidence: Mapping[str, Any]) -> str:
    """What the verdict needs: "needs ~430 churn events, has 212, ~1.1 intervals to go"."""
    need = evidence.get("need")
    if not isinstance(need, Mapping):
        return ""
    if isinstance(need.get("text"), str) and need["text"]:
        return str(need["text"])
    wanted, has = _number(need.get("neededEvents")), _number(need.get("events"))
    if wanted is None or has is None:
        return ""
    text = f"needs ~{wanted:.0f} {need.get('unit') or 'events'}, has {has:.0f}"
    to_go = _number(need.get("intervalsToGo"))
    if not need.get("met") and to_go is not None and math.isfinite(to_go):
        text += f", ~{to_go:.1f} intervals to go"
    return text


def describe(check: Mapping[str, Any]) -> str:
    """One line: "churn +3.1% [-8.0%, +15.0%] (critical +5%, warning +2%); candidate 212 / 51k, ...;
    needs ~430 churn events, has 212, ~1.1 intervals to go". An old-form check reads as its message."""
    evidence = evidence_of(check)
    name = str(check.get("name", "?"))
    if evidence is None:
        message = str(check.get("message") or "")
        return f"{name}: {message}" if message else name
    limits = tolerances(evidence)
    parts = [f"{name} {estimate(evidence)} {bounds(evidence)}" + (f" ({limits})" if limits else "")]
    parts.append(counts(evidence))
    parts += [text for text in (needs(evidence),) if text]
    return "; ".join(parts)


@dataclass(frozen=True)
class Row:
    """One check in an evidence table (status page, PR comment); every cell plain text."""

    check: str
    verdict: str
    estimate: str
    bounds: str
    counts: str
    needs: str


HEADERS = ("check", "verdict", "estimate", "bounds", "counts", "needs")


def row(check: Mapping[str, Any]) -> Row:
    """An old-form check shows its candidate and baseline values and its message instead."""
    name, verdict = str(check.get("name", "?")), str(check.get("verdict", "?"))
    evidence = evidence_of(check)
    if evidence is None:
        values = [_number(check.get(side)) for side in ("candidate", "baseline")]
        shown = " vs ".join(f"{v:.6g}" if v is not None else NOT_APPLICABLE for v in values)
        shown = NOT_APPLICABLE if values == [None, None] else shown
        return Row(name, verdict, NOT_APPLICABLE, NOT_APPLICABLE, shown, str(check.get("message") or ""))
    limits = tolerances(evidence)
    return Row(
        name,
        verdict,
        estimate(evidence),
        bounds(evidence) + (f" ({limits})" if limits else ""),
        counts(evidence),
        needs(evidence),
    )


def brief(check: Mapping[str, Any]) -> str:
    """A few words for a tight space (a deployment status): "churn hold +3.1% [-8.0%, +15.0%]"."""
    name, verdict = str(check.get("name", "?")), str(check.get("verdict", "?"))
    evidence = evidence_of(check)
    if evidence is None:  # the old instant form: its message has the numbers
        message = str(check.get("message") or "")
        return f"{name} {message}" if message else f"{name} {verdict}"
    return f"{name} {verdict} {estimate(evidence)} {bounds(evidence)}"
