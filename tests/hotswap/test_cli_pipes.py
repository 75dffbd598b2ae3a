"""The CLI as a shell runs it: a closed pipe ends it quietly, an unknown game is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.promoter.fixtures import make_game_repo


def hotswap(*args: str, stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("HOTSWAP_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "hotswap", *args], stdout=stdout, stderr=subprocess.PIPE, text=True, env=env
    )


def test_a_reader_that_goes_away_ends_every_command_quietly(tmp_path: Path, git_repo: Path) -> None:
    repo = make_game_repo(tmp_path, "pipes")
    commands = [
        ["status", "--remote", repo.url, "--cache", str(tmp_path / "cache")],
        ["status", "--remote", repo.url, "--cache", str(tmp_path / "cache"), "--format", "json"],
        ["validate", "--root", str(git_repo)],
    ]
    for argv in commands:
        process = hotswap(*argv)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # `| head -0`: the reader is gone before the first line is written
        err = process.stderr.read()
        assert process.wait(timeout=120) == 1, (argv, err)
        assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, (argv, err)


def test_reconcile_of_an_unknown_game_is_one_line_and_exit_2(tmp_path: Path) -> None:
    repo = make_game_repo(tmp_path, "known")
    process = hotswap(
        "reconcile",
        "--once",
        "--remote",
        repo.url,
        "--cache",
        str(tmp_path / "cache"),
        "--prometheus",
        "http://127.0.0.1:9",
        "--game",
        "nope",
    )
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert err.splitlines() == ["hotswap: error: unknown game 'nope' (known: known)"]
    assert out == ""
