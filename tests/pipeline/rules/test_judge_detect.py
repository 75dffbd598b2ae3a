"""A judged check the judge cannot take as written (detect not beyond its tolerance, a tolerance
that is not positive, a relative decrease of 100%) is a finding with its file, line and rule, in
validate and in plan, never an internal error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RunCli, git

POLICY = "configs/kart-racer/rollout-policy.yaml"
CRASH = "critical: {relativeIncrease: 0.10}\n        detect: 0.40"
HEALTH = "critical: {relativeDecrease: 0.20}\n        detect: 0.35"
SESSION = "warning: {relativeDecrease: 0.10}\n        detect: 0.20"
COMPLAINTS = "critical: {above: 0.03}"


@dataclass(frozen=True)
class Case:
    id: str
    old: str
    new: str
    marker: str  # the text, within `new`, on the line the finding points at
    rule: str


CASES = [
    Case(
        "rate-detect-inside", CRASH, "critical: {relativeIncrease: 0.5}\n        detect: 0.25", "detect", "policy-judge"
    ),
    Case(
        "rate-detect-below", CRASH, "critical: {relativeIncrease: 0.10}\n        detect: 0.05", "detect", "policy-judge"
    ),
    Case(
        "rate-detect-equal", CRASH, "critical: {relativeIncrease: 0.10}\n        detect: 0.10", "detect", "policy-judge"
    ),
    Case("rate-default-detect-inside", CRASH, "critical: {relativeIncrease: 0.5}", "critical", "policy-judge"),
    Case(
        "mean-detect-inside",
        HEALTH,
        "critical: {relativeDecrease: 0.20}\n        detect: 0.1",
        "detect",
        "policy-judge",
    ),
    Case(
        "mean-warning-detect-inside",
        SESSION,
        "warning: {relativeDecrease: 0.10}\n        detect: 0.05",
        "detect",
        "policy-judge",
    ),
    Case(
        "mean-detect-whole-decrease",
        HEALTH,
        "critical: {relativeDecrease: 0.20}\n        detect: 1",
        "detect",
        "policy-judge",
    ),
    Case(
        "mean-whole-decrease",
        HEALTH,
        "critical: {relativeDecrease: 1}\n        detect: 0.35",
        "critical",
        "policy-judge",
    ),
    Case("absolute-zero-limit", COMPLAINTS, "critical: {above: 0}", "critical", "policy-judge"),
    Case("absolute-negative-limit", COMPLAINTS, "critical: {above: -1}", "critical", "policy-judge"),
    Case("detect-zero", CRASH, "critical: {relativeIncrease: 0.10}\n        detect: 0", "detect", "schema"),
    Case("detect-negative", CRASH, "critical: {relativeIncrease: 0.10}\n        detect: -0.5", "detect", "schema"),
]


def _break(root: Path, case: Case) -> int:
    """Apply the case to the policy; the line (1-based) its finding must point at."""
    path = root / POLICY
    text = path.read_text()
    assert case.old in text, case.old
    path.write_text(text.replace(case.old, case.new, 1))
    offset = text.index(case.old) + case.new.index(case.marker)
    return text.replace(case.old, case.new, 1).count("\n", 0, offset) + 1


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_reports_a_check_the_judge_cannot_take(case: Case, config_repo: Path, run_cli: RunCli) -> None:
    line = _break(config_repo, case)

    code, out, err = run_cli(["validate", "--root", str(config_repo)])

    assert code == 1, out + err
    assert "Traceback" not in out + err and "internal error" not in out + err
    hits = [row for row in out.splitlines() if row.startswith(f"{POLICY}:{line}:") and row.endswith(f"[{case.rule}]")]
    assert hits, f"expected {POLICY}:{line}:<col> ... [{case.rule}] in:\n{out}"
    column = hits[0].split(":")[2]
    assert column.isdigit() and int(column) > 0


@pytest.mark.parametrize("case", [c for c in CASES if c.rule == "policy-judge"][:4], ids=lambda c: c.id)
def test_plan_reports_the_policy_invalid_without_an_internal_error(
    case: Case, config_repo: Path, run_cli: RunCli
) -> None:
    git(config_repo, "init", "-q", "-b", "main")
    git(config_repo, "add", "-A")
    git(config_repo, "commit", "-q", "-m", "configs")
    line = _break(config_repo, case)
    git(config_repo, "commit", "-q", "-am", "a check the judge cannot take")

    code, out, err = run_cli(["plan", "--repo", str(config_repo), "--game", "kart-racer"])

    assert code == 1, out + err
    assert "internal error" not in out + err
    assert f"RolloutPolicy is invalid: {POLICY}:{line}:" in out
