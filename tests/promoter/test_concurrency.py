"""Two reconcilers on one remote, and a reconciler killed at random points: git's compare-and-swap
keeps every step written exactly once, and a restart converges to the same refs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import git
from tests.promoter.fixtures import RINGS, Fleet, GameRepo, bootstrapped, carries, ring


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


KILLER = """#!/bin/sh
# Kills the reconciler in the middle of its push: {when}. Counts every kill it makes.
{read}
pid=$(cat '{pid}' 2>/dev/null) || exit 0
n=$(cat '{count}' 2>/dev/null || echo 0)
{decide}
kill -9 "$pid" 2>/dev/null && echo "$n {when}" >> '{kills}'
{finish}
"""


def install_killer(repo: GameRepo, workdir: Path) -> tuple[Path, Path]:
    """Every other push is refused by pre-receive with the pusher killed before anything lands; the
    others land and the pusher is killed by post-receive right after its write, before it can do
    anything that follows (a second write, the main revert, its report)."""
    pid, count, kills = workdir / "reconciler.pid", workdir / "pushes.count", workdir / "kills.log"
    hooks = repo.remote / "hooks"
    pre = KILLER.format(
        when="before the write",
        read="cat > /dev/null",
        pid=pid,
        count=count,
        kills=kills,
        decide=f"echo $((n + 1)) > '{count}'\n[ $((n % 2)) -eq 0 ] || exit 0",
        finish="exit 1",
    )
    (hooks / "pre-receive").write_text(pre)
    post = (hooks / "post-receive").read_text()
    (hooks / "post-receive").write_text(
        post.replace("#!/bin/sh\n", "#!/bin/sh\nlog=$(cat)\n").replace("cat >>", 'echo "$log" >>', 1)
        + KILLER.format(
            when="after the write", read="", pid=pid, count=count, kills=kills, decide="", finish="exit 0"
        ).replace("#!/bin/sh\n", "")
    )
    for hook in ("pre-receive", "post-receive"):
        (hooks / hook).chmod(0o755)
    return pid, kills


def test_a_reconciler_killed_in_the_middle_of_every_push_converges(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    pid_file, kills_log = install_killer(repo, tmp_path)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    deadline = time.monotonic() + 150
    starts = 0
    while tag not in repo.refs() and time.monotonic() < deadline:
        proc = reconciler_process(repo, fleet, tmp_path / "cache")
        pid_file.write_text(str(proc.pid))
        starts += 1
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert tag in repo.refs(), f"not converged after {starts} starts"
    kills = kills_log.read_text().splitlines()
    before = [k for k in kills if k.endswith("before the write")]
    after = [k for k in kills if k.endswith("after the write")]
    # Each of the 4 steps and the completion was a push; each was interrupted both ways at least once.
    assert len(before) >= 4 and len(after) >= 4, kills
    # whatever was interrupted, every ring carries the release once and the ledger is whole
    assert_written_once(repo, release)
