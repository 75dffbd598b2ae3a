"""The rules of `spec.strategies`, `spec.freeze` and `spec.notBefore`: plain documents, then the
shipped policy broken on disk and validated by the CLI (file, line, field)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.game import GameView
from pipeline.rules import RULES
from tests.conftest import RunCli
from tests.pipeline.rules.fixtures import POLICY_SPEC, doc

POLICY = "configs/battle-royale/rollout-policy.yaml"


def found(rule: str, **spec: Any) -> list[tuple[str, str]]:
    raw = copy.deepcopy(POLICY_SPEC)
    raw.update(spec)
    policy = doc("RolloutPolicy", raw, "rollout")
    return [(f.path, f.message) for f in RULES[rule](GameView("g", (policy,), (policy,)))]


def rule(**fields: Any) -> dict[str, Any]:
    return {"match": {"kinds": ["Economy"]}, "strategy": "canary", **fields}


def test_valid_rules_say_nothing() -> None:
    rules = [
        rule(strategy="blue-green", approval="required", regions={"EU-WEST": {"interval": "PT2H"}}),
        rule(match={"kinds": ["LiveEvent"], "only": True}, strategy="expedited", analysis={"interval": "PT5M"}),
        rule(regions={"NA-WEST": {"steps": [50, 100]}}, analysis={"checks": ["churn"]}),
    ]
    assert found("policy-strategies", strategies=rules) == []


@pytest.mark.parametrize(
    ("bad", "path", "message"),
    [
        (
            rule(strategy="expedited"),
            "$.spec.strategies[0].match",
            "an expedited rule must set `only: true`",
        ),
        (
            rule(match={"kinds": ["Economy"], "only": True}, strategy="blue-green"),
            "$.spec.strategies[0].match.only",
            "is more cautious than spec.strategy (canary)",
        ),
        (rule(regions={"APAC": {"interval": "PT1H"}}), "$.spec.strategies[0].regions.APAC", "region APAC is not one"),
        (
            rule(regions={"NA-WEST": {"steps": [20, 100]}}),
            "$.spec.strategies[0].regions.NA-WEST.steps",
            "steps [20, 100] must be rings",
        ),
        (
            rule(regions={"NA-WEST": {"steps": [100, 50]}}),
            "$.spec.strategies[0].regions.NA-WEST.steps",
            "strictly ascending and end at 100",
        ),
        (
            rule(strategy="blue-green", regions={"NA-WEST": {"steps": [50, 100]}}),
            "$.spec.strategies[0].regions.NA-WEST.steps",
            "a blue-green rollout takes a region at once",
        ),
        (rule(analysis={"checks": ["churn", "crashes"]}), "$.spec.strategies[0].analysis.checks[1]", "'crashes'"),
        (rule(analysis={"interval": "PT0S"}), "$.spec.strategies[0].analysis.interval", "longer than zero"),
    ],
)
def test_rule_findings_name_the_field(bad: dict[str, Any], path: str, message: str) -> None:
    result = found("policy-strategies", strategies=[rule(), bad])
    shifted = path.replace("strategies[0]", "strategies[1]")
    assert [(p, m) for p, m in result if message in m and p == shifted], result


@pytest.mark.parametrize(
    ("spec", "path", "message"),
    [
        (
            {"freeze": [{"start": "2026-12-24T00:00:00Z", "end": "2026-12-23T00:00:00Z", "reason": "xmas"}]},
            "$.spec.freeze[0].end",
            "ends (2026-12-23T00:00:00Z) before it starts",
        ),
        (
            {"freeze": [{"start": "2026-12-24T00:00:00Z", "end": "2026-12-24T00:00:00Z", "reason": "xmas"}]},
            "$.spec.freeze[0].end",
            "ends when it starts",
        ),
        (
            {"freeze": [{"start": "2026-02-30T00:00:00Z", "end": "2026-03-01T00:00:00Z", "reason": "x"}]},
            "$.spec.freeze[0].start",
            "not a date and time that exists",
        ),
        ({"notBefore": "2026-13-01T00:00:00Z"}, "$.spec.notBefore", "not a date and time that exists"),
    ],
)
def test_freeze_findings(spec: dict[str, Any], path: str, message: str) -> None:
    assert [(p, m) for p, m in found("policy-freeze", **spec) if p == path and message in m]


def test_overlapping_windows_are_fine() -> None:
    windows = [
        {"start": "2026-12-24T00:00:00Z", "end": "2026-12-27T00:00:00Z", "reason": "xmas"},
        {"start": "2026-12-26T00:00:00Z", "end": "2026-12-28T00:00:00Z", "reason": "patch"},
    ]
    assert found("policy-freeze", freeze=windows, notBefore="2026-12-01T10:00:00Z") == []


def test_the_cli_reports_file_line_and_field(config_repo: Path, run_cli: RunCli) -> None:
    policy = config_repo / POLICY
    text = policy.read_text()
    text = text.replace("      approval: none                   # one push everywhere", "      approval: none #")
    text = text.replace("match: {kinds: [LiveEvent], only: true}", "match: {kinds: [LiveEvent]}")
    text += (
        "  freeze:\n"
        "    - {start: 2026-12-24T00:00:00Z, end: 2026-12-20T00:00:00Z, reason: holidays}\n"
        "  notBefore: 2026-12-01T10:00:00Z\n"
    )
    policy.write_text(text)
    code, out, _ = run_cli(["validate", "--root", str(config_repo), "--format", "json"])
    assert code == 1, out
    lines = text.splitlines()
    got = {(f["rule"], f["line"], f["path"]) for f in json.loads(out)["findings"]}
    expedited = next(i for i, line in enumerate(lines, 1) if "match: {kinds: [LiveEvent]}" in line)
    window = next(i for i, line in enumerate(lines, 1) if "reason: holidays" in line)
    assert ("policy-strategies", expedited, "$.spec.strategies[1].match") in got, got
    assert ("policy-freeze", window, "$.spec.freeze[0].end") in got, got
    assert len(got) == 2, got
