"""Two reconcilers on one remote, and a reconciler killed at random points: git's compare-and-swap
keeps every step written exactly once, and a restart converges to the same refs."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import git
from tests.promoter.fixtures import Fleet, GameRepo
from tests.promoter.test_integration import RINGS, bootstrapped, carries, ring


def reconciler_process(repo: GameRepo, fleet: Fleet, cache: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotswap",
            "reconcile",
            "--remote",
            repo.url,
            "--prometheus",
            fleet.url,
            "--cache",
            str(cache),
            "--interval",
            "0.2",
            "--game",
            repo.game,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_tag(repo: GameRepo, release: str, timeout: float = 90) -> None:
    tag = f"refs/tags/release/{repo.game}/{release[:12]}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tag in repo.refs():
            return
        time.sleep(0.3)
    raise AssertionError(f"{tag} never appeared")


def assert_written_once(repo: GameRepo, release: str) -> None:
    assert carries(repo, release, RINGS)
    events = repo.events(release)
    deploys = [(e["region"], e["step"]) for e in events if e["type"] == "deploy"]
    assert deploys == [("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100), ("EU-WEST", 100)]
    assert [e["type"] for e in events].count("complete") == 1
    passes = [(e["region"], e["step"]) for e in events if e["type"] == "evaluate" and e["outcome"] == "pass"]
    assert len(passes) == len(set(passes)) == 4
    for region, percent in RINGS:  # one deploy commit of the release on every ring, on top of the bootstrap
        log = git(
            repo.remote, "log", "--format=%(trailers:key=Hotswap-Release,valueonly)", ring(repo.game, region, percent)
        )
        assert [line for line in log.splitlines() if line.strip()].count(release) == 1


def test_two_reconcilers_write_every_step_exactly_once(tmp_path: Path, fleet: Fleet, game_name: str) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    procs = [reconciler_process(repo, fleet, tmp_path / f"cache-{i}") for i in range(2)]
    try:
        wait_for_tag(repo, release)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    assert_written_once(repo, release)


def test_a_reconciler_killed_at_random_points_converges(tmp_path: Path, fleet: Fleet, game_name: str) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    rng = random.Random(1234)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    deadline = time.monotonic() + 120
    kills = 0
    while tag not in repo.refs() and time.monotonic() < deadline:
        proc = reconciler_process(repo, fleet, tmp_path / "cache")
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    assert tag in repo.refs(), f"not converged after {kills} kills"
    assert kills >= 3
    # whatever was interrupted, every ring carries the release once and the ledger is whole
    assert_written_once(repo, release)
