"""Every former reader of an instant agrees with contract.instants on the one table: the agent's
switch reading, the promoter's `Hotswap-Switch-At` reading from real commits, and `hotswap validate`
on LiveEvent windows, freeze windows and notBefore (a finding with file, line and field)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from agent.switch import timing
from contract.trailers import SWITCH_AT
from promoter.gitio import Remote
from tests.conftest import RunCli, git
from tests.contract.instant_cases import CASES
from tests.promoter.fixtures import make_game_repo

EVENT = "configs/battle-royale/events/winter-festival.yaml"
POLICY = "configs/battle-royale/rollout-policy.yaml"
LATER = "2099-01-01T00:00:00Z"


def test_the_agent_reads_a_switch_instant_as_the_contract_does() -> None:
    for text, instant in CASES:
        now = (instant or datetime(2026, 11, 29, tzinfo=UTC)).timestamp()
        read = timing({SWITCH_AT: text}, now)
        if instant is None:
            assert read.at is None and read.note and "ignored" in read.note, text
        else:
            assert read.at == instant.timestamp(), text


def test_the_promoter_reads_a_switch_trailer_as_the_contract_does(tmp_path: Path) -> None:
    repo = make_game_repo(tmp_path, "g")
    for ring, (text, _) in enumerate(CASES, 1):
        message = f"switch\n\nHotswap-Release: {'a' * 40}\n{SWITCH_AT}: {text}\n"
        commit = git(repo.remote, "commit-tree", "main^{tree}", "-p", "main", "-m", message)
        git(repo.remote, "update-ref", f"refs/heads/deploy/g/NA-WEST/ring-{ring}", commit)
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    rings = remote.snapshot("g").rings
    read = [(text, rings[("NA-WEST", ring)].switch_at) for ring, (text, _) in enumerate(CASES, 1)]
    assert read == [(text, instant) for text, instant in CASES]


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_validate_refuses_what_the_contract_refuses_with_file_line_and_field(
    config_repo: Path, run_cli: RunCli
) -> None:
    event_path, policy_path = config_repo / EVENT, config_repo / POLICY
    event_text, policy_text = event_path.read_text(), policy_path.read_text()
    for text, instant in CASES:
        quoted = json.dumps(text)
        event = event_text.replace('start: "2026-12-18T17:00:00Z"', f"start: {quoted}")
        event = event.replace('end: "2027-01-04T17:00:00Z"', f'end: "{LATER}"')
        policy = policy_text + f"  freeze:\n    - {{start: {quoted}, end: {LATER}, reason: x}}\n  notBefore: {quoted}\n"
        event_path.write_text(event)
        policy_path.write_text(policy)
        code, out, _ = run_cli(["validate", "--root", str(config_repo), "--format", "json"])
        got = {(f["file"], f["line"], f["path"]) for f in json.loads(out)["findings"]}
        expected = {
            (EVENT, _line(event, "start:"), "$.spec.start"),
            (POLICY, _line(policy, "reason: x"), "$.spec.freeze[0].start"),
            (POLICY, _line(policy, "notBefore:"), "$.spec.notBefore"),
        }
        assert (code, got) == ((0, set()) if instant is not None else (1, expected)), text
