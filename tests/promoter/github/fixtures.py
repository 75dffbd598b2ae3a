"""What the GitHub notifier's tests share: a reconciler telling a fake GitHub, merges, ledger reads."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from promoter.github.client import GitHubClient
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubSettings
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler, utc_now
from tests.conftest import git
from tests.github.fake_github import TOKEN, FakeGitHub
from tests.promoter.fixtures import BALANCE, Fleet, GameRepo, bootstrapped


def with_github(
    tmp_path: Path,
    fleet: Fleet,
    repo: GameRepo,
    fake: FakeGitHub,
    client_clock: Callable[[], float] = time.time,
    clock: Callable[[], datetime] = utc_now,
) -> Reconciler:
    """A reconciler telling GitHub; `client_clock` is the GitHub client's (its holds), `clock` the notifier's."""
    remote = Remote(repo.url, tmp_path / "gh-cache")
    client = GitHubClient(GitHubSettings(f"{fake.owner}/{fake.name}", TOKEN, fake.base), client_clock)
    return Reconciler(
        remote,
        PrometheusSource(fleet.url, timeout=5),
        revert_main="pull",
        notifier=Notifier(remote, client, clock),
    )


def ledger_record(repo: GameRepo, game: str, release: str) -> dict[str, Any]:
    return cast(
        dict[str, Any], json.loads(git(repo.remote, "show", f"refs/heads/hotswap/ledger:github/{game}/{release}.json"))
    )


def failed(repo: GameRepo, game: str, release: str) -> dict[str, str]:
    """The items GitHub refused for good, as the ledger records them (none before the first record)."""
    try:
        return cast(dict[str, str], ledger_record(repo, game, release)["failed"])
    except subprocess.CalledProcessError:
        return {}


def merge_pull(repo: GameRepo, number: int, damage: int, games: tuple[str, ...] = ()) -> str:
    """What GitHub's merge button leaves on main: a merge commit of the pull request's branch, which
    changes the balance of `games` (the repository's game by default)."""
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    git(repo.work, "checkout", "-q", "-b", f"pr-{number}")
    for game in games or (repo.game,):
        (repo.work / f"configs/{game}/balance.yaml").write_text(BALANCE.format(game=game, damage=damage))
    git(repo.work, "commit", "-q", "-am", f"rifle damage {damage}")
    git(repo.work, "checkout", "-q", "main")
    git(
        repo.work,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        f"Merge pull request #{number} from studio/pr-{number}",
        f"pr-{number}",
    )
    git(repo.work, "push", "-q", str(repo.remote), "main")
    return git(repo.work, "rev-parse", "HEAD")


def merge_branch(repo: GameRepo, branch: str, number: int) -> None:
    git(repo.work, "fetch", "-q", str(repo.remote), f"{branch}:{branch}")
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    git(repo.work, "merge", "-q", "--no-ff", "-m", f"Merge pull request #{number} from studio/{branch}", branch)
    git(repo.work, "push", "-q", str(repo.remote), "main")


def push_all(repo: GameRepo, message: str) -> None:
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", message)
    git(repo.work, "push", "-q", str(repo.remote), "main")


def statuses(fake: FakeGitHub, environment: str) -> list[tuple[str, str]]:
    (did,) = [d for d, dep in fake.deployments.items() if dep["environment"] == environment]
    return [(s["state"], s["description"]) for s in fake.deployment_statuses[did]]


def from_pull(
    tmp_path: Path, fleet: Fleet, game: str, fake: FakeGitHub, number: int, damage: int, **metrics: float
) -> tuple[GameRepo, Reconciler, str, str]:
    """A bootstrapped game, a reconciler telling GitHub, and a release merged from pull request #number."""
    repo, _, first = bootstrapped(tmp_path, fleet, game)
    reconciler = with_github(tmp_path, fleet, repo, fake)
    fake.open_pr(number, f"rifle damage {damage}")
    release = merge_pull(repo, number, damage)
    fleet.expose(game, release, **metrics)
    return repo, reconciler, first, release


def rebase_merged(
    tmp_path: Path, fleet: Fleet, game: str, fake: FakeGitHub, clock: Callable[[], datetime] = utc_now
) -> tuple[GameRepo, Reconciler, str]:
    """A bootstrapped game, a reconciler telling GitHub, and a release whose subject names no pull request."""
    repo, _, _ = bootstrapped(tmp_path, fleet, game)
    reconciler = with_github(tmp_path, fleet, repo, fake, clock=clock)
    release = repo.commit(damage=46, message="buff rifle")
    fleet.expose(game, release)
    return repo, reconciler, release


def searches(fake: FakeGitHub) -> int:
    return [c.path for c in fake.calls].count("/api/v3/search/issues")


def settle(reconciler: Reconciler, game: str, passes: int = 2) -> None:
    for _ in range(passes):
        reconciler.run_once([game])
