from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import RunCli, git

WEAPONS = "configs/battle-royale/balance/weapons.yaml"


def _buff(repo: Path, damage: int) -> None:
    weapons = repo / WEAPONS
    text = weapons.read_text()
    weapons.write_text(
        re.sub(
            r"damage: \d+\n      headshotMultiplier: 1.5\n      fireRate: 600",
            f"damage: {damage}\n      headshotMultiplier: 1.5\n      fireRate: 600",
            text,
        )
    )
    git(repo, "commit", "-qam", f"rifle damage {damage}")


def test_plan_lists_touched_games_with_stages_checks_and_minimum_time(git_repo: Path, run_cli: RunCli) -> None:
    _buff(git_repo, 48)
    code, out, _ = run_cli(["plan", "--repo", str(git_repo), "--format", "json"])
    assert code == 0, out
    plan = json.loads(out)
    (game,) = plan["games"]  # kart-racer did not change
    assert game["game"] == "battle-royale" and game["baseLabel"] == "main~1"
    assert game["files"] == [WEAPONS]
    assert [s["region"] for s in game["stages"]] == ["NA-WEST", "NA-EAST", "EU-WEST", "EU-EAST", "APAC"]
    na_west, *later = game["stages"]
    held = na_west.pop("expectedIntervals")
    assert na_west == {
        "region": "NA-WEST",
        "steps": [10, 30, 50, 90, 100],
        "intervalSeconds": 1800.0,
        "approval": False,
    }
    # the judged checks' expected paces: the canary holds until it has the evidence, which then carries
    assert held[0] > 1 and held[1:] == [1, 1, 1, 1]
    assert [s["steps"] for s in later] == [[90, 100]] * 4 and later[1]["approval"] is True
    assert all(s["expectedIntervals"][0] > 1 and s["expectedIntervals"][1] == 1 for s in later)
    # 5 steps x 30 min in NA-WEST, then 4 regions x 2 steps x 30 min; the holds come on top
    assert game["minimumSeconds"] == 13 * 1800
    assert game["expectedSeconds"] == 1800 * (sum(held) + sum(sum(s["expectedIntervals"]) for s in later))
    assert {c["name"] for c in game["checks"]} >= {"churn", "crash-rate", "complaints", "server-health"}

    code, out, _ = run_cli(["plan", "--repo", str(git_repo)])
    assert "1. NA-WEST: 10% → 30% → 50% → 90% → 100%, 30m per step" in out
    assert f"     expected holds: 10% {held[0]} intervals (" in out
    assert "with the expected holds (6h30m without) plus approval for EU-WEST" in out


def test_plan_base_is_the_last_release_tag(git_repo: Path, run_cli: RunCli) -> None:
    release = git(git_repo, "rev-parse", "HEAD")
    git(git_repo, "tag", "-a", f"release/battle-royale/{release[:12]}", "-m", "released")
    _buff(git_repo, 47)
    _buff(git_repo, 48)
    code, out, _ = run_cli(["plan", "--repo", str(git_repo), "--game", "battle-royale", "--format", "json"])
    assert code == 0
    (game,) = json.loads(out)["games"]
    assert game["base"] == release and game["baseLabel"] == f"release/battle-royale/{release[:12]}"


def test_plan_fails_on_an_invalid_policy(git_repo: Path, run_cli: RunCli) -> None:
    policy = git_repo / "configs/battle-royale/rollout-policy.yaml"
    policy.write_text(policy.read_text().replace("rings: [10, 30, 50, 90, 100]", "rings: [10, 30, 50, 90]"))
    git(git_repo, "commit", "-qam", "bad policy")
    code, out, _ = run_cli(["plan", "--repo", str(git_repo)])
    assert code == 1
    assert "RolloutPolicy is invalid: configs/battle-royale/rollout-policy.yaml:15:" in out


def test_plan_with_no_config_change(git_repo: Path, run_cli: RunCli) -> None:
    (git_repo / "notes.txt").write_text("x")
    git(git_repo, "add", "notes.txt")
    git(git_repo, "commit", "-qm", "docs")
    code, out, _ = run_cli(["plan", "--repo", str(git_repo)])
    assert code == 0 and "nothing to roll out" in out
