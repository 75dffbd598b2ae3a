"""`hotswap report-pr` against a local server speaking GitHub's REST API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli, git
from tests.github.fake_github import TOKEN, FakeGitHub, serve

WEAPONS = "configs/battle-royale/balance/weapons.yaml"


@pytest.fixture
def fake_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    for fake in serve(FakeGitHub()):
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_REPOSITORY", f"{fake.owner}/{fake.name}")
        monkeypatch.setenv("HOTSWAP_GITHUB_URL", fake.base)
        fake.open_pr(5, "rifle buff")
        yield fake


def change(repo: Path, old: str, new: str, message: str) -> str:
    path = repo / WEAPONS
    path.write_text(path.read_text().replace(old, new, 1))
    git(repo, "commit", "-qam", message)
    return git(repo, "rev-parse", "HEAD")


def report(run_cli: RunCli, repo: Path, base: str) -> tuple[int, str, str]:
    return run_cli(["report-pr", "--pr", "5", "--base", base, "--repo", str(repo)])


def test_one_comment_is_created_then_edited_on_every_push(
    git_repo: Path, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    base = git(git_repo, "rev-parse", "HEAD")
    head = change(git_repo, "damage: 45", "damage: 48", "buff")
    code, out, err = report(run_cli, git_repo, base)
    assert code == 0, err
    assert out.startswith("reported on #5")
    (first,) = fake_github.comments_on(5)
    assert first.startswith("<!-- hotswap:report -->")
    assert "HotSwap validation" in first and "✅" in first
    assert "45" in first and "48" in first  # the semantic diff of the damage
    assert "NA-WEST" in first  # the rollout plan
    assert [(s["sha"], s["state"], s["context"]) for s in fake_github.statuses] == [
        (head, "success", "hotswap/validate")
    ]

    head = change(git_repo, "damage: 48", "damage: 9999", "way too much")
    code, _, err = report(run_cli, git_repo, base)
    assert code == 0, err
    (second,) = fake_github.comments_on(5)  # still one comment, now edited
    assert "❌" in second and WEAPONS in second
    assert fake_github.statuses[-1]["sha"] == head and fake_github.statuses[-1]["state"] == "failure"
    assert len(fake_github.statuses[-1]["description"]) <= 140
    assert [c.method for c in fake_github.writes()] == ["POST", "POST", "PATCH", "POST"]


def test_github_failing_exits_2_with_one_line_and_no_token(
    git_repo: Path, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    base = git(git_repo, "rev-parse", "HEAD")
    change(git_repo, "damage: 45", "damage: 48", "buff")
    fake_github.fail(403)
    code, _, err = report(run_cli, git_repo, base)
    assert code == 2
    assert err.count("\n") == 1 and "403" in err and TOKEN not in err and "Traceback" not in err
    fake_github.heal()
    fake_github.fail(502, times=1)
    code, _, err = report(run_cli, git_repo, base)
    assert code == 2 and "502" in err


def test_without_a_token_it_says_what_to_set(git_repo: Path, run_cli: RunCli) -> None:
    code, _, err = report(run_cli, git_repo, "HEAD")
    assert code == 2 and "GITHUB_TOKEN" in err
