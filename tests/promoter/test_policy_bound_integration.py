"""A release cannot loosen the policy it is judged by, against real parts (a bare git remote and a
Prometheus scraping the test exporter): deleting the freeze and the blue-green rule keeps both,
setting `strategy: expedited` keeps canary; `hotswap approve --lift-freeze` is the way out of a
freeze, recorded in the ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contract.instants import format_instant
from tests.conftest import RunCli, git
from tests.promoter.fixtures import POLICY, Fleet, GameRepo, bootstrap, make_game_repo

UNTIL = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
FREEZE = (
    "  freeze:\n"
    f"    - {{{{start: {format_instant(UNTIL - timedelta(hours=4))}, end: {format_instant(UNTIL)}, reason: patch day}}}}\n"
)
BLUE_GREEN_FOR_BALANCE = "  strategies:\n    - {{match: {{kinds: [GameBalance]}}, strategy: blue-green}}\n"


def _ref(repo: GameRepo, name: str) -> str | None:
    out = git(repo.remote, "for-each-ref", "--format=%(objectname)", f"refs/heads/deploy/{repo.game}/{name}")
    if not out.strip():
        return None
    trailers = git(repo.remote, "log", "-1", "--format=%(trailers:only,unfold)", out.strip())
    return dict(line.split(": ", 1) for line in trailers.splitlines() if ": " in line).get("Hotswap-Release")


def _policy(repo: GameRepo, extra: str = "", strategy: str = "canary") -> str:
    text = (POLICY + extra).format(game=repo.game, approval="")
    return text.replace("strategy: canary", f"strategy: {strategy}", 1)


def _status(run_cli: RunCli, repo: GameRepo, cache: Path) -> dict[str, Any]:
    code, out, err = run_cli(["status", "--remote", repo.url, "--cache", str(cache), "--format", "json"])
    assert code == 0, out + err
    (game,) = [g for g in json.loads(out)["games"] if g["game"] == repo.game]
    return dict(game)


def test_a_release_that_deletes_the_freeze_and_the_blue_green_rule_keeps_both_until_a_lift(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name, policy=POLICY + FREEZE + BLUE_GREEN_FOR_BALANCE)
    fleet.expose(game_name, git(repo.work, "rev-parse", "HEAD"))
    reconciler = bootstrap(tmp_path, repo, fleet.url)
    attack = repo.commit(
        damage=47,
        files={f"configs/{game_name}/rollout-policy.yaml": _policy(repo)},
        message="buff, and no more freeze",
    )
    before = repo.refs()
    (outcome,) = reconciler.run_once([game_name])
    assert outcome.summary.startswith(f"frozen until {format_instant(UNTIL)}: patch day"), outcome
    assert repo.refs() == before  # nothing written

    status = _status(run_cli, repo, tmp_path / "c2")
    assert status["frozenUntil"] == format_instant(UNTIL) and status["frozenReason"] == "patch day"
    assert status["strategy"] == "blue-green"
    assert status["policyBound"] == "policy bounded by the one in force: freeze kept, strategy blue-green"
    code, out, _ = run_cli(["plan", "--repo", str(repo.remote), "--game", game_name, "--format", "json"])
    assert code == 0, out
    (planned,) = json.loads(out)["games"]
    assert planned["strategy"] == "blue-green" and planned["policyBound"] == status["policyBound"]

    argv = ["approve", "--remote", repo.url, "--cache", str(tmp_path / "c3"), "--game", game_name]
    code, out, err = run_cli([*argv, "--lift-freeze", "--reason", "the freeze was a typo", "--by", "alice"])
    assert code == 0, out + err
    (lift,) = [e for e in repo.events(attack) if e["type"] == "lift-freeze"]
    assert lift["by"] == "alice" and lift["reason"] == "the freeze was a typo"
    assert lift["outcome"] == f"lifted frozen until {format_instant(UNTIL)}: patch day"
    code, out, err = run_cli([*argv, "--lift-freeze", "--reason", "again", "--by", "alice"])
    assert code == 0 and "already lifted" in out, out + err  # asking again writes nothing

    (outcome,) = reconciler.run_once([game_name])
    assert _ref(repo, "NA-WEST/green") == attack, outcome  # blue-green kept: green first
    assert _ref(repo, "NA-WEST/ring-10") != attack
    assert _status(run_cli, repo, tmp_path / "c2")["frozenUntil"] is None


def test_a_release_that_sets_strategy_expedited_rolls_out_as_the_canary_in_force(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    first = git(repo.work, "rev-parse", "HEAD")
    fleet.expose(game_name, first)
    reconciler = bootstrap(tmp_path, repo, fleet.url)
    attack = repo.commit(
        damage=47,
        files={f"configs/{game_name}/rollout-policy.yaml": _policy(repo, strategy="expedited")},
        message="buff, everywhere at once",
    )
    code, out, _ = run_cli(["plan", "--repo", str(repo.remote), "--game", game_name])
    assert code == 0 and "policy bounded by the one in force: strategy canary" in out, out

    (outcome,) = reconciler.run_once([game_name])
    assert _ref(repo, "NA-WEST/ring-10") == attack, outcome
    assert [_ref(repo, r) for r in ("NA-WEST/ring-50", "NA-WEST/ring-100", "EU-WEST/ring-100")] == [first] * 3
    (deploy,) = [e for e in repo.events(attack) if e["type"] == "deploy"]
    assert "policy bounded by the one in force: strategy canary" in deploy["reason"]


def test_lift_freeze_needs_a_reason_and_takes_no_region(tmp_path: Path, run_cli: RunCli) -> None:
    argv = ["approve", "--remote", str(tmp_path / "none.git"), "--cache", str(tmp_path / "c"), "--game", "g"]
    for extra, message in (
        (["--lift-freeze"], "--lift-freeze needs --reason TEXT"),
        (["--lift-freeze", "--reason", "  "], "--lift-freeze needs --reason TEXT"),
        (["--lift-freeze", "--reason", "x", "--region", "NA-WEST"], "takes no --region"),
        ([], "--region is required"),
    ):
        code, out, err = run_cli([*argv, *extra])
        assert code == 2 and message in err and "Traceback" not in err, out + err
