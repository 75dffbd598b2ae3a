from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hotswap.main import main

REPO_ROOT = Path(__file__).resolve().parent.parent
GITHUB_ENV = (
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_SERVER_URL",
    "GITHUB_RUN_ID",
    "HOTSWAP_GITHUB_TOKEN",
    "HOTSWAP_GITHUB_REPOSITORY",
    "HOTSWAP_GITHUB_URL",
    "GITHUB_API_URL",
    "HOTSWAP_GITHUB_API_URL",
)


@pytest.fixture(autouse=True)
def _no_github_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that want GitHub point at the local test server themselves; a suite run inside GitHub
    Actions must not reach the real one through the variables Actions sets."""
    for name in GITHUB_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def config_repo(tmp_path: Path) -> Path:
    """A copy of the shipped configs and schemas, to break at will."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO_ROOT / "configs", root / "configs")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    return root


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def git_repo(config_repo: Path) -> Path:
    git(config_repo, "init", "-q", "-b", "main")
    git(config_repo, "add", "-A")
    git(config_repo, "commit", "-q", "-m", "initial configs")
    return config_repo


RunCli = Callable[[Sequence[str]], tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run `hotswap` in-process; returns (exit code, stdout, stderr)."""

    def run(argv: Sequence[str]) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
