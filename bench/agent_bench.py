"""Benchmark: the agent's swap latency, reads during swaps, and the cost of a poll.

In one run, on a local bare remote:
  - swap latency (p50/p99): a new deploy commit on the ring -> validated snapshot swapped in;
  - snapshot reads per second by 4 reader threads while swaps happen;
  - one poll with no change, read in place (pygit2) and over the git protocol (`ls-remote`), against
    a bare `git ls-remote` of the same ref as the floor;
  - one poll with a change over the git protocol (`ls-remote` + `fetch` of the ref + validation),
    against a bare `git fetch` of the same ref as the floor;
  - how many agents one core sustains polling every 2 s (from the no-change poll's CPU time).

    python bench/agent_bench.py [--swaps 100]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pygit2
from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.git_channel import GitRemote, GitRingSource

ROOT = Path(__file__).resolve().parent.parent
GAME = "battle-royale"
REF = f"refs/heads/deploy/{GAME}/NA-WEST/ring-100"


def seed(remote: Path) -> pygit2.Repository:
    repo = pygit2.init_repository(str(remote), bare=True)
    return repo


def deploy(repo: pygit2.Repository, damage: int, parent: str | None) -> str:
    """A deploy commit whose tree is the game's folder with the rifle's damage set."""
    tree = release_tree(repo, damage)
    sig = pygit2.Signature("bench", "bench@example.com")
    release = f"{damage:040d}"
    message = f"deploy {damage}\n\nHotswap-Release: {release}\n"
    oid = repo.create_commit(None, sig, sig, message, tree, [pygit2.Oid(hex=parent)] if parent else [])
    repo.references.create(REF, oid, force=True)
    return str(oid)


def release_tree(repo: pygit2.Repository, damage: int) -> pygit2.Oid:
    """The game's folder with the rifle's damage set, written to `repo`."""
    index = pygit2.Index()
    for path in sorted((ROOT / "configs" / GAME).rglob("*.yaml")):
        data = path.read_bytes()
        if path.name == "weapons.yaml":
            data = data.replace(b"damage: 45", f"damage: {damage}".encode(), 1)
        rel = path.relative_to(ROOT / "configs" / GAME).as_posix()
        index.add(pygit2.IndexEntry(rel, repo.create_blob(data), pygit2.enums.FileMode.BLOB))
    return index.write_tree(repo)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu(fn: object, repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        fn()  # type: ignore[operator]
    return (time.process_time() - start) / repeat


def wall(fn: object, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / repeat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--swaps", type=int, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotswap-agent-bench-"))
    try:
        remote = tmp / "remote.git"
        repo = seed(remote)
        tip = deploy(repo, 40, None)
        agent = Agent(GAME, "NA-WEST", "na-west-001", GitRemote(str(remote)), registry=CollectorRegistry())
        agent.poll_once()

        stop = threading.Event()
        reads = [0]

        def reader() -> None:
            while not stop.is_set():
                snap = agent.snapshot
                assert snap is not None
                _ = snap.spec("GameBalance")["weapons"]["rifle"]["damage"]
                reads[0] += 1
                time.sleep(0)

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for t in readers:
            t.start()
        latencies = []
        started = time.perf_counter()
        for n in range(args.swaps):
            tip = deploy(repo, 41 + n % 19, tip)  # stays inside the balanced band: every one is valid
            t0 = time.perf_counter()
            assert agent.poll_once()
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        stop.set()
        for t in readers:
            t.join()
        print(
            f"swap latency over {args.swaps} swaps: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms (fetch, validate 10 files, swap)"
        )
        print(f"snapshot reads during swaps: {reads[0] / elapsed:,.0f} per second (4 reader threads)")

        in_place = cpu(agent.poll_once, 2000)
        protocol_source = GitRingSource(str(remote), REF, tmp / "cache.git", in_place=False)
        protocol_poll = wall(protocol_source.current, 20)
        floor_ls = wall(
            lambda: subprocess.run(["git", "ls-remote", str(remote), REF], capture_output=True, check=True), 20
        )
        print(f"poll, no change, read in place: {in_place * 1e6:.0f} µs CPU")
        print(
            f"poll, no change, git protocol: {protocol_poll * 1000:.1f} ms; floor `git ls-remote` {floor_ls * 1000:.1f} ms "
            f"({protocol_poll / floor_ls:.2f}x)"
        )

        over_protocol = GitRemote(str(remote), tmp / "agent-cache", in_place=False)
        fetch_agent = Agent(GAME, "NA-WEST", "na-west-001", over_protocol, registry=CollectorRegistry())
        fetch_agent.poll_once()
        changes = []
        for n in range(10):
            tip = deploy(repo, 50 + n, tip)
            t0 = time.perf_counter()
            fetch_agent.poll_once()
            changes.append(time.perf_counter() - t0)
        floor_dir = tmp / "floor.git"
        pygit2.init_repository(str(floor_dir), bare=True)
        fetches = []
        for n in range(10):
            tip = deploy(repo, 60 + n, tip)
            t0 = time.perf_counter()
            subprocess.run(
                ["git", "--git-dir", str(floor_dir), "fetch", "-q", "--depth=1", str(remote), f"+{REF}:{REF}"],
                check=True,
            )
            fetches.append(time.perf_counter() - t0)
        change, floor_fetch = statistics.median(changes), statistics.median(fetches)
        print(
            f"poll with a change, git protocol (ls-remote + fetch + validate + swap): {change * 1000:.1f} ms; "
            f"floor `git fetch` of the ref {floor_fetch * 1000:.1f} ms ({change / floor_fetch:.2f}x)"
        )
        print(
            f"agents one core sustains polling every 2 s: {2 / in_place:,.0f} read in place; "
            f"{2 / protocol_poll:,.0f} over the git protocol (one ls-remote each)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
