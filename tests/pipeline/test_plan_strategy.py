"""`hotswap plan` names the strategy a change rolls out with and why, when it may start, and the
freeze windows its minimum duration would cross: a real repository through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contract.instants import format_instant
from tests.conftest import RunCli, git

POLICY = "configs/battle-royale/rollout-policy.yaml"
LOOT = "configs/battle-royale/economy/loot.yaml"
EVENT = "configs/battle-royale/events/winter-festival.yaml"


def _edit(repo: Path, path: str, old: str, new: str, message: str) -> None:
    text = (repo / path).read_text()
    assert old in text
    (repo / path).write_text(text.replace(old, new, 1))
    git(repo, "commit", "-qam", message)


def test_plan_names_the_strategy_the_schedule_and_the_freezes(git_repo: Path, run_cli: RunCli) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    soon = (now + timedelta(hours=1), now + timedelta(hours=2))
    later = (now + timedelta(days=30), now + timedelta(days=31))
    windows = "".join(
        f"    - {{start: {format_instant(a)}, end: {format_instant(b)}, reason: {why}}}\n"
        for (a, b), why in ((soon, "patch day"), (later, "season finale"))
    )
    (git_repo / POLICY).write_text((git_repo / POLICY).read_text() + "  freeze:\n" + windows)
    git(git_repo, "commit", "-qam", "freeze for patch day")
    _edit(git_repo, LOOT, "{weapon: pistol, weight: 30}", "{weapon: pistol, weight: 31}", "more pistols")

    code, out, _ = run_cli(["plan", "--repo", str(git_repo), "--format", "json"])
    assert code == 0, out
    (game,) = json.loads(out)["games"]
    assert game["strategy"] == "blue-green"
    assert game["strategyWhy"] == "blue-green with approval: touches Economy (economy/loot.yaml)"
    assert all(s["steps"] == [100] and s["approval"] for s in game["stages"])
    # 5 regions x one 30-minute step: the patch-day window is crossed, the season finale is not
    assert game["minimumSeconds"] == 5 * 1800
    assert game["freezes"] == [
        {"start": format_instant(soon[0]), "end": format_instant(soon[1]), "reason": "patch day"}
    ]
    assert game["notBefore"] is None

    code, out, _ = run_cli(["plan", "--repo", str(git_repo)])
    assert "  chosen: blue-green with approval: touches Economy (economy/loot.yaml)\n" in out
    assert f"    - {format_instant(soon[0])} → {format_instant(soon[1])}: patch day\n" in out
    assert "season finale" not in out

    start = now + timedelta(days=3)
    text = (git_repo / EVENT).read_text().replace("maxPartySize: 4", "maxPartySize: 3")
    (git_repo / EVENT).write_text(text)
    git(git_repo, "commit", "-qam", f"smaller parties\n\nHotswap-Not-Before: {format_instant(start)}")
    code, out, _ = run_cli(["plan", "--repo", str(git_repo), "--format", "markdown"])
    assert code == 0, out
    assert "**Strategy:** expedited: touches only LiveEvent (events/winter-festival.yaml)" in out
    assert f"**Scheduled:** not before {format_instant(start)}." in out
    assert "Freeze windows" not in out  # patch day is over before it starts; the finale is beyond it
