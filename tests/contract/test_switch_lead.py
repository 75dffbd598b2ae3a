"""The switch lead against the agents' cap (contract.switch.MAX_SWITCH_LEAD): the promoter never
dates a switch at or beyond it, and validate refuses a policy's `blueGreen.switchLead` that reaches it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.switch import MAX_AHEAD_SECONDS, timing
from contract.instants import format_instant
from contract.switch import CAPPED_SWITCH_LEAD, MAX_SWITCH_LEAD, switch_at
from contract.trailers import SWITCH_AT
from tests.conftest import RunCli

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
POLICY = "configs/battle-royale/rollout-policy.yaml"


def test_the_agent_cap_is_the_contracts() -> None:
    assert MAX_SWITCH_LEAD.total_seconds() == MAX_AHEAD_SECONDS


@pytest.mark.parametrize(
    "lead",
    [timedelta(0), timedelta(seconds=5), MAX_SWITCH_LEAD - timedelta(milliseconds=1), MAX_SWITCH_LEAD],
)
def test_a_switch_instant_is_never_at_or_beyond_the_cap_and_every_agent_honours_it(lead: timedelta) -> None:
    for asked in (lead, lead + timedelta(minutes=15), lead + timedelta(days=3)):
        at = switch_at(NOW, asked)
        assert at - NOW == min(asked, CAPPED_SWITCH_LEAD) <= MAX_SWITCH_LEAD - timedelta(minutes=1)
        # as the agent reads the trailer the promoter writes, at the instant of the push, even with
        # its clock up to a minute behind the promoter's
        for behind in (timedelta(0), timedelta(seconds=59)):
            read = timing({SWITCH_AT: format_instant(at)}, (NOW - behind).timestamp())
            assert read.at is not None and read.note is None


@pytest.mark.parametrize(
    ("lead", "refused"),
    [
        ("PT5S", False),
        ("PT9M", False),
        ("PT540S", False),
        ("PT540.001S", True),
        ("PT9M59S", True),
        ("PT599.999S", True),
        ("PT10M", True),
        ("PT600S", True),
        ("PT15M", True),
    ],
)
def test_validate_refuses_a_switch_lead_at_or_beyond_the_cap(
    config_repo: Path, run_cli: RunCli, lead: str, refused: bool
) -> None:
    policy = config_repo / POLICY
    text = policy.read_text().replace("spec:\n", f"spec:\n  blueGreen: {{switchLead: {lead}}}\n", 1)
    policy.write_text(text)
    code, out, _ = run_cli(["validate", "--root", str(config_repo), "--format", "json"])
    findings = json.loads(out)["findings"]
    if not refused:
        assert (code, findings) == (0, []), findings
        return
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "switchLead" in row)
    (finding,) = findings
    assert code == 1
    assert (finding["file"], finding["line"], finding["path"], finding["rule"]) == (
        POLICY,
        line,
        "$.spec.blueGreen.switchLead",
        "policy-switch-lead",
    )
    assert f"switchLead {lead} must be at most 540 s (PT9M)" in finding["message"]
