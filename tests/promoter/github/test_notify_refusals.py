"""GitHub refusing one item for good (422) fails that item alone, whatever its kind: the pass goes
on, the game's other items are told, and another game is told everything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import git
from tests.github.fake_github import FakeGitHub
from tests.promoter.fixtures import BALANCE, POLICY, Fleet, GameRepo, drive, make_game_repo, types
from tests.promoter.github.fixtures import (
    failed,
    from_pull,
    ledger_record,
    merge_pull,
    rebase_merged,
    searches,
    settle,
    statuses,
    with_github,
)


@dataclass(frozen=True)
class Refusal:
    """What GitHub refuses of the first game (`{game}` stands for it) and the item it fails."""

    id: str
    method: str
    path: str
    body: str
    item: str
    times: int = 10**6


REFUSALS = [
    Refusal("deployment", "POST", r"^/deployments$", '"environment": "{game}/NA-WEST"', "deployment:NA-WEST"),
    # the first status of the pass is the first game's (games are told in order)
    Refusal("status", "POST", r"^/deployments/\d+/statuses$", "NA-WEST at 10%", "status:NA-WEST:0", times=1),
    Refusal("comment", "POST", r"^/issues/7/comments$", "hotswap:rollout:{game}:", "comment"),
]


def two_games(tmp_path: Path, fleet: Fleet, first: str) -> tuple[GameRepo, str]:
    repo = make_game_repo(tmp_path, first)
    fleet.expose(first, git(repo.work, "rev-parse", "HEAD"))  # the first game's release: its folder's last commit
    second = f"{first}-b"
    folder = repo.work / "configs" / second
    folder.mkdir(parents=True)
    (folder / "rollout-policy.yaml").write_text(POLICY.format(game=second, approval=""))
    (folder / "balance.yaml").write_text(BALANCE.format(game=second, damage=45))
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", f"add {second}")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    fleet.expose(second, git(repo.work, "rev-parse", "HEAD"))
    return repo, second


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.id for r in REFUSALS])
def test_one_items_permanent_refusal_fails_that_item_alone_and_the_other_game_is_told(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub, refusal: Refusal
) -> None:
    repo, other = two_games(tmp_path, fleet, game_name)
    games = [game_name, other]
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    assert all(o.error is None for o in reconciler.run_once(games))  # the bootstrap of both
    fake_github.open_pr(7, "rifle damage 46")
    release = merge_pull(repo, 7, damage=46, games=(game_name, other))
    for game in games:
        fleet.expose(game, release)
    body = refusal.body.format(game=game_name)
    fake_github.refuse(refusal.method, refusal.path, body, "No ref found for: main", refusal.times)
    tags = [f"refs/tags/release/{game}/{release[:12]}" for game in games]
    errors: list[str] = []

    def step() -> None:
        errors.extend(o.error for o in reconciler.run_once(games) if o.error)

    drive(step, lambda: all(tag in repo.refs() for tag in tags))
    for _ in range(2):
        step()

    assert errors == []
    report = reconciler.last_notify
    assert report is not None and report.error is None and report.pending == 0
    refused = failed(repo, game_name, release)
    assert list(refused) == [refusal.item] and "422" in refused[refusal.item]
    assert failed(repo, other, release) == {}
    # the other game was told everything
    assert [s for s, _ in statuses(fake_github, f"{other}/NA-WEST")][-1] == "success"
    assert [s for s, _ in statuses(fake_github, f"{other}/EU-WEST")][-1] == "success"
    comments = fake_github.comments_on(7)
    assert any(f"hotswap:rollout:{other}:{release}" in c for c in comments)
    # and the refusing game the rest of what it had to tell
    assert [s for s, _ in statuses(fake_github, f"{game_name}/EU-WEST")][-1] == "success"
    assert any(f"hotswap:rollout:{game_name}:{release}" in c for c in comments) is (refusal.id != "comment")
    if refusal.id != "deployment":
        assert [s for s, _ in statuses(fake_github, f"{game_name}/NA-WEST")][-1] == "success"
    else:
        assert not [d for d in fake_github.deployments.values() if d["environment"] == f"{game_name}/NA-WEST"]


def test_a_refused_revert_pull_request_fails_that_item_and_the_rollback_is_still_told(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, reconciler, _, bad = from_pull(tmp_path, fleet, game_name, fake_github, 8, damage=400, errors=3.0)
    fake_github.refuse("POST", r"^/pulls$", '"head": "hotswap/revert-', "Validation Failed")
    drive(lambda: reconciler.run_once([game_name]), lambda: "rollback" in types(repo, bad))
    settle(reconciler, game_name, 3)

    refused = failed(repo, game_name, bad)
    assert list(refused) == ["revert-pull"] and "422" in refused["revert-pull"]
    assert len([c for c in fake_github.calls if c.method == "POST" and c.path == "/pulls"]) == 1  # never again
    (comment,) = fake_github.comments_on(8)
    assert "was rolled back" in comment
    assert statuses(fake_github, f"{game_name}/NA-WEST")[-1][0] == "failure"
    report = reconciler.last_notify
    assert report is not None and report.error is None and report.pending == 0


def test_a_refused_search_for_the_pull_request_fails_the_origin_and_the_deployments_are_told(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    fake_github.refuse("GET", r"/search/issues$", message="Validation Failed")
    repo, reconciler, release = rebase_merged(tmp_path, fleet, game_name, fake_github)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())
    settle(reconciler, game_name)

    record = ledger_record(repo, game_name, release)
    assert list(record["failed"]) == ["origin"] and "422" in record["failed"]["origin"]
    assert searches(fake_github) == 1 and record["done"] is True
    assert [s for s, _ in statuses(fake_github, f"{game_name}/NA-WEST")][-1] == "success"


def test_a_game_whose_github_record_cannot_be_read_is_its_error_and_the_other_game_is_told(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, other = two_games(tmp_path, fleet, game_name)
    games = [game_name, other]
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    reconciler.run_once(games)
    # someone pushed a record the notifier cannot read into the first game's folder of the ledger
    scratch = tmp_path / "ledger-work"
    git(tmp_path, "clone", "-q", "-b", "hotswap/ledger", str(repo.remote), str(scratch))
    (scratch / "github" / game_name).mkdir(parents=True)
    (scratch / "github" / game_name / "x.json").write_text(json.dumps({"game": game_name}))
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "broken")
    git(scratch, "push", "-q", "origin", "hotswap/ledger")
    fake_github.open_pr(7, "rifle damage 46")
    release = merge_pull(repo, 7, damage=46, games=(game_name, other))
    for game in games:
        fleet.expose(game, release)

    outcomes = reconciler.run_once(games)

    (broken,) = [o for o in outcomes if o.error]
    assert broken.game == game_name and broken.kind == "internal" and "KeyError" in (broken.error or "")
    assert "telling GitHub" in broken.summary
    assert any(f"hotswap:rollout:{other}:{release}" in c for c in fake_github.comments_on(7))
    assert [d["environment"] for d in fake_github.deployments.values()] == [f"{other}/NA-WEST"]
