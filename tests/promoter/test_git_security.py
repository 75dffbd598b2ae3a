"""git as an attacker meets it: the token never on a command line, a remote URL never an option."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

from agent.git_channel import GitRingSource
from agent.source import SourceProblem
from contract.gitcli import UnsafeRemote, git_env
from contract.refs import LEDGER_REF, MAIN_REF, ring_ref
from promoter.gitio import GitProblem, RefUpdate, Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from tests.conftest import RunCli
from tests.git_https import git_https
from tests.promoter.fixtures import make_game_repo

TOKEN = "ghs_s3cr3t-token-that-must-stay-off-argv"


def _argv_logging_git(directory: Path, log: Path) -> Path:
    """A `git` first on PATH that appends its argv (one NUL-separated record a call) to `log`, then
    runs the real git: every command line the code under test gives git, as `ps` would show it."""
    real = shutil.which("git")
    assert real is not None
    directory.mkdir()
    wrapper = directory / "git"
    wrapper.write_text(f"#!/bin/sh\nprintf '%s\\0' \"$@\" >> '{log}'\necho >> '{log}'\nexec '{real}' \"$@\"\n")
    wrapper.chmod(0o755)
    return directory


def test_the_git_token_travels_in_the_environment_never_on_a_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    game = "argv-game"
    repo = make_game_repo(tmp_path, game)
    argv_log, trace = tmp_path / "argv.log", tmp_path / "git-trace.log"
    with git_https(tmp_path, TOKEN, tmp_path) as server:
        url = f"{server.url}/{game}.git"
        monkeypatch.setenv("PATH", f"{_argv_logging_git(tmp_path / 'bin', argv_log)}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("GIT_SSL_CAINFO", str(server.cert))
        monkeypatch.setenv("GIT_TRACE", str(trace))  # also the command lines of git's own children
        monkeypatch.delenv("HOTSWAP_GIT_TOKEN", raising=False)

        # Without the token the server refuses: it really checks.
        with pytest.raises(GitProblem):
            Remote(url, tmp_path / "no-token-cache").fetch()
        assert server.refused and not server.authorized

        monkeypatch.setenv("HOTSWAP_GIT_TOKEN", TOKEN)
        # A real reconcile over HTTPS: fetch, then one atomic push of the bootstrap (rings, ledger).
        remote = Remote(url, tmp_path / "cache")
        (outcome,) = Reconciler(remote, PrometheusSource("http://127.0.0.1:9", timeout=1)).run_once([game])
        assert outcome.summary.startswith("bootstrap"), outcome
        main = repo.refs()["refs/heads/main"]
        assert remote.ref(MAIN_REF) == main
        ring = ring_ref(game, "NA-WEST", 10)
        assert repo.refs()[ring] == remote.ref(ring) and LEDGER_REF in repo.refs()
        assert remote.push([RefUpdate("refs/heads/probe", main, None)]).ok

        # The agent reads its ring over the same remote: ls-remote, then a shallow fetch.
        source = GitRingSource(url, ring, tmp_path / "agent-cache", in_place=False)
        version = source.current()
        assert version == repo.refs()[ring]
        assert "balance.yaml" in source.fetch(version).files

    posts = [r for r in server.authorized if r.startswith("POST")]
    assert any("git-upload-pack" in r for r in posts) and any("git-receive-pack" in r for r in posts)
    command_lines = argv_log.read_text(errors="replace")
    words = {word for line in command_lines.splitlines() for word in line.split("\0")}
    assert {"fetch", "push", "ls-remote"} <= words  # every call went through the wrapper
    assert "run_command: git remote-https" in trace.read_text()  # the children's command lines are traced too
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    for secret in (TOKEN, basic, "extraHeader", "Authorization"):
        assert secret not in command_lines
        assert secret not in trace.read_text(errors="replace")


def test_the_token_is_scoped_to_the_https_remote_and_keeps_the_callers_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOTSWAP_GIT_TOKEN", TOKEN)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.askPass")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "/bin/false")
    env = git_env("https://git.example.com/studio/configs.git")
    assert env["GIT_CONFIG_COUNT"] == "2" and env["GIT_CONFIG_KEY_0"] == "core.askPass"
    assert env["GIT_CONFIG_KEY_1"] == "http.https://git.example.com/studio/configs.git.extraHeader"
    assert env["GIT_CONFIG_VALUE_1"].startswith("Authorization: Basic ")
    for url in ("http://git.example.com/configs.git", "/srv/configs.git", "git@example.com:configs.git"):
        assert not any(k.startswith("GIT_CONFIG_KEY_1") for k in git_env(url))  # never sent in clear


HOSTILE = "--upload-pack=touch {marker}"


def test_a_remote_git_would_read_as_an_option_is_refused_before_any_git_runs(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pwned"
    hostile = HOSTILE.format(marker=marker)
    cache = ["--cache", str(tmp_path / "cache")]
    prometheus = ["--prometheus", "http://127.0.0.1:9"]
    monkeypatch.setenv("HOTSWAP_JWT_SECRET", "s" * 40)
    agent = ["--game", "g", "--region", "NA-WEST", "--server-id", "s1", "--out", str(tmp_path / "out"), "--once"]
    commands = [
        ["reconcile", "--once", f"--remote={hostile}", *cache, *prometheus],
        ["status", f"--remote={hostile}", *cache],
        ["serve", f"--remote={hostile}", *cache, *prometheus],
        ["agent", f"--remote={hostile}", *agent],
        ["simulate", f"--remote={hostile}", "--game", "g"],
    ]
    for argv in commands:
        code, _, err = run_cli(argv)
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and "starting with '-'" in err, err
    monkeypatch.setenv("HOTSWAP_REMOTE", hostile)  # the environment is checked the same way
    code, _, err = run_cli(["reconcile", "--once", *cache, *prometheus])
    assert code == 2 and err.count("\n") == 1 and "starting with '-'" in err
    assert not marker.exists()
    assert not (tmp_path / "cache").exists() and not (tmp_path / "out").exists()  # nothing half-written
    for bad in ("", "-", "https://example.com/x\n--upload-pack=x"):
        with pytest.raises(UnsafeRemote):
            Remote(bad, tmp_path / "cache")


def test_every_git_call_puts_the_url_after_double_dash(tmp_path: Path) -> None:
    """If a hostile URL got past the check, git would still read it as a repository, not an option."""
    marker = tmp_path / "pwned"
    repo = make_game_repo(tmp_path, "dash-game")
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    remote.url = HOSTILE.format(marker=marker)
    with pytest.raises(GitProblem):
        remote.fetch()
    with pytest.raises(GitProblem):
        remote.push([RefUpdate("refs/heads/x", repo.refs()["refs/heads/main"], None)])
    source = GitRingSource(repo.url, "refs/heads/main", tmp_path / "agent-cache", in_place=False)
    source.url = HOSTILE.format(marker=marker)
    with pytest.raises(SourceProblem):
        source.current()
    with pytest.raises(SourceProblem):
        source.fetch(repo.refs()["refs/heads/main"])
    assert not marker.exists()
