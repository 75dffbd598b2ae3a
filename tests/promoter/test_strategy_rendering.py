"""Where the chosen strategy, freezes and schedules show: `hotswap status` (JSON and text) and the
pull request's rollout comment. Plain values."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from rich.console import Console

from hotswap.commands.status import print_game
from pipeline.strategy_rules import FreezeWindow
from promoter.github.notify import NotifyState, RolloutView
from promoter.github.render import rollout_comment
from promoter.model import Event, GameSnapshot, RolloutRecord
from promoter.status import game_status
from tests.promoter.snapshots import NEW, POLICY, T0, at_step, snap

H = timedelta(hours=1)
WHY = "blue-green with approval: touches Economy (economy/items.yaml)"
FROZEN = replace(
    POLICY,
    freeze=(FreezeWindow(T0 + H, T0 + 3 * H, "patch day"), FreezeWindow(T0 + 90 * H, T0 + 91 * H, "finale")),
)


def with_info(s: GameSnapshot, **changes: object) -> GameSnapshot:
    return replace(s, releases={sha: replace(i, **changes) for sha, i in s.releases.items()})  # type: ignore[arg-type]


def text_of(status: dict[str, Any]) -> str:
    out = io.StringIO()
    print_game(Console(file=out, width=300, highlight=False, soft_wrap=True), status)
    return out.getvalue()


def test_status_says_frozen_until_and_why_the_strategy() -> None:
    s = with_info(snap(), policy=FROZEN, strategy_why=WHY)
    status = json.loads(json.dumps(game_status(s, T0 + 2 * H)))
    assert status["frozenUntil"] == "2026-11-01T15:00:00.000Z" and status["frozenReason"] == "patch day"
    assert status["strategy"] == "canary" and status["strategyWhy"] == WHY and status["notBefore"] is None
    assert status["summary"].startswith("frozen until 2026-11-01T15:00:00.000Z: patch day;")
    text = text_of(status)
    assert f"  strategy: {WHY}\n" in text and "  frozen until 2026-11-01T15:00:00.000Z: patch day\n" in text

    after = game_status(s, T0 + 3 * H)
    assert after["frozenUntil"] is None and "frozen" not in text_of(after)


def test_status_says_scheduled_not_before_and_a_freeze_at_once() -> None:
    s = with_info(snap(), not_before=T0 + 2 * H)
    status = game_status(s, T0)
    assert status["notBefore"] == "2026-11-01T14:00:00.000Z" and status["frozenUntil"] is None
    both = game_status(with_info(s, policy=FROZEN), T0 + H)
    assert (both["notBefore"], both["frozenUntil"]) == ("2026-11-01T14:00:00.000Z", "2026-11-01T15:00:00.000Z")
    assert "  scheduled: not before 2026-11-01T14:00:00.000Z\n" in text_of(status)
    assert game_status(s, T0 + 2 * H)["notBefore"] is None


def test_the_pr_comment_names_the_strategy_and_the_windows_in_the_rollout_s_way() -> None:
    record = RolloutRecord("g", NEW, "tree-bbbb", (Event(T0, "deploy", "NA-WEST", 10, reason=f"strategy {WHY}"),))
    view = RolloutView(snap(rings=at_step([("NA-WEST", 10)])), NEW, record, FROZEN, None, NotifyState("g", NEW), 7)
    comment = rollout_comment(view)
    assert f"**Strategy:** {WHY}\n" in comment
    assert "- 2026-11-01T13:00:00.000Z → 2026-11-01T15:00:00.000Z: patch day\n" in comment
    assert "finale" not in comment  # beyond the rollout's minimum duration
    # before the first deploy it names the strategy alone
    bare = rollout_comment(replace(view, record=None, policy=POLICY))
    assert "**Strategy:** canary\n" in bare and "Freeze windows" not in bare
