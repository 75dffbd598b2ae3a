"""Benchmark: a blue-green switch across 1,000 simulated servers, against a plain ring update.

One process, one local bare remote, the simulator's fleet (`agent.simulator.Fleet`: real Agents, one
shared GitRemote, the fleet's metric listeners) of 1,000 servers in one region, each polling on its
own timer every `--interval` seconds (±20% jitter, random phase), as independent servers would.

  peer    "ring update": release B is on green and held by every server; every ring moves to B's
          tree without Hotswap-Switch-At (the canary path): each server swaps when its next poll
          sees it. Measured from the push. Checked: all 1,000 servers swapped.
  switch  release C on green, held; one atomic ref transaction moves every ring to C with
          Hotswap-Switch-At = push + `--lead` s. Measured from the instant: each server's flip
          offset (p50/p99/max) and the spread (last - first), against the peer's spread. Every
          server holds `--sessions` matches (`agent.session()`) opened on B across the switch, read
          by a thread while it happens: the share preserved is those that end on B without an error.
          Tree reads (the sources' fetch counters) during the switch are printed: 0 is the claim.
  back    switch-back: every ring and green to B's tree with Switch-At = push + `--lead` s; the
          time from the push (the decision) to every server on B.

    python bench/switch_bench.py [--servers 1000] [--interval 2] [--lead 3] [--sessions 5]
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import random
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pygit2
from prometheus_client.metrics import MetricWrapperBase

from agent.agent import Agent
from agent.git_channel import GitRemote
from agent.metrics import AgentMetrics
from agent.simulator import Fleet
from agent.snapshot import ConfigSnapshot
from bench.agent_bench import GAME, percentile, release_tree
from contract.errors import HotswapFailure
from contract.instants import format_instant, read_instant

REGION = "NA-WEST"
RINGS = (10, 30, 50, 90, 100)  # the shipped battle-royale policy's
GREEN = f"refs/heads/deploy/{GAME}/{REGION}/green"
BLUE, PEER, NEW = 45, 46, 47  # the rifle's damage on each release


def trailer_instant(seconds: float) -> str:
    """Seconds since the epoch as a `Hotswap-Switch-At` says them (to the millisecond)."""
    return format_instant(datetime.fromtimestamp(seconds, UTC))


def release(damage: int) -> str:
    """A release's 40-hex id that names it in its first 12 (the config_revision label): 470000000000..."""
    return str(damage).ljust(40, "0")


def ring_ref(percent: int) -> str:
    return f"refs/heads/deploy/{GAME}/{REGION}/ring-{percent}"


class Remote:
    """The bare remote; a push is one atomic ref transaction (`git update-ref --stdin`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = pygit2.init_repository(str(path), bare=True)
        self.sig = pygit2.Signature("promoter", "promoter@example.com")

    def commit(self, damage: int, stage: str, extra: str = "") -> str:
        message = (
            f"{stage} {damage}\n\nHotswap-Release: {release(damage)}\nHotswap-Stage: {REGION}/{stage}\n"
            f"Hotswap-Rollout: bench\n{extra}"
        )
        return str(self.repo.create_commit(None, self.sig, self.sig, message, release_tree(self.repo, damage), []))

    def push(self, refs: dict[str, str]) -> float:
        """Returns when the push started: the decision (a server may see the refs before it returns)."""
        decided = time.time()
        lines = "".join(f"update {ref} {commit}\n" for ref, commit in refs.items())
        subprocess.run(
            ["git", "--git-dir", str(self.path), "update-ref", "--stdin"],
            input=f"start\n{lines}prepare\ncommit\n",
            text=True,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        return decided


class Poller:
    """Polls every agent on its own jittered timer from one thread (the flips run on the scheduler's)."""

    def __init__(self, agents: list[Agent], interval: float, seed: int = 11) -> None:
        self.agents, self.interval = agents, interval
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        start = time.monotonic()
        self.heap = [(start + self.rng.uniform(0, interval), i) for i in range(len(agents))]
        heapq.heapify(self.heap)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            when, i = heapq.heappop(self.heap)
            delay = when - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            with contextlib.suppress(HotswapFailure):  # counted by the agent
                self.agents[i].poll_once()
            heapq.heappush(self.heap, (when + self.interval * self.rng.uniform(0.8, 1.2), i))


def wait(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"switch_bench: {what} not reached in {seconds:.0f} s")
        time.sleep(0.05)


def damage(snap: ConfigSnapshot | None) -> int | None:
    if snap is None:
        return None
    return int(next(s for (k, _), s in snap.documents.items() if k == "GameBalance")["weapons"]["rifle"]["damage"])


def stats(name: str, values: list[float]) -> str:
    return (
        f"{name}: first {min(values) * 1000:+.1f} ms, p50 {percentile(values, 0.5) * 1000:+.1f} ms, p99 {percentile(values, 0.99) * 1000:+.1f} ms, "
        f"max {max(values) * 1000:+.1f} ms, spread (last - first) {(max(values) - min(values)) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--lead", type=float, default=3.0, help="Switch-At is this many seconds after the push")
    parser.add_argument("--sessions", type=int, default=5, help="matches open on each server across the switch")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="switch-bench-"))
    try:
        run(root, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, args: argparse.Namespace) -> None:
    remote = Remote(root / "remote.git")
    blue = remote.commit(BLUE, "100")
    remote.push({ring_ref(p): blue for p in RINGS})
    fleet = Fleet(str(remote.path), GAME, [REGION], servers_per_region=args.servers)
    agents = [s.agent for s in fleet.servers]
    swapped: dict[str, float] = {}  # server -> when it swapped to the release under watch
    target: list[int] = [0]

    def watch(agent: Agent) -> None:
        def on_swap(_old: ConfigSnapshot | None, new: ConfigSnapshot) -> None:
            if damage(new) == target[0]:
                swapped.setdefault(agent.server_id, time.time())

        agent.add_listener(on_swap)

    for agent in agents:
        watch(agent)
    started = time.monotonic()
    fleet.poll()  # every server on blue
    sources = fleet.servers[0].agent.source
    assert isinstance(sources, GitRemote)  # one, shared by the fleet
    metrics = AgentMetrics.for_registry(fleet.registry)
    poller = Poller(agents, args.interval)
    poller.thread.start()
    print(f"{len(agents)} servers on {BLUE} in {time.monotonic() - started:.1f} s, polling every {args.interval:g} s")

    def release_green(damage_: int) -> None:
        green = remote.commit(damage_, "green")
        remote.push({GREEN: green})
        revision = release(damage_)[:12]

        def held() -> bool:
            return len(_values(metrics.prefetched, config_revision=revision)) == len(agents)

        wait(held, 30, f"every server holding {damage_}")

    def fetches() -> int:
        return sum(s.fetches for s in sources._sources.values())

    # --- peer: a plain ring update, every server swaps at its next poll ---------------------------------
    release_green(PEER)
    target[0] = PEER
    peer_commit = remote.commit(PEER, "100")
    pushed = remote.push({ring_ref(p): peer_commit for p in RINGS})
    wait(lambda: len(swapped) == len(agents), 30, "every server on the peer's release")
    ran = sum(1 for a in agents if damage(a.snapshot) == PEER)
    assert ran == len(agents), f"the peer swapped {ran} of {len(agents)} servers"
    peer = [swapped[a.server_id] - pushed for a in agents]
    print(f"peer (ring update, no Switch-At): all {ran} servers swapped")
    print("  " + stats("delay from the push", peer))

    # --- the switch --------------------------------------------------------------------------------------
    release_green(NEW)
    swapped.clear()
    target[0] = NEW
    errors: list[str] = []
    reads = [0]
    with contextlib.ExitStack() as matches:
        pinned = [matches.enter_context(a.session()) for a in agents for _ in range(args.sessions)]
        reading = threading.Event()

        def reader() -> None:  # the matches keep reading their config while the fleet switches
            while not reading.is_set():
                for snap in pinned:
                    try:
                        if damage(snap) != PEER:
                            errors.append(f"{snap.revision}: a match saw another release")
                    except Exception as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    reads[0] += 1
                time.sleep(0.02)  # a sweep every ~20 ms: reading, not hogging the interpreter

        before = fetches()
        at = read_instant(trailer_instant(time.time() + args.lead)).timestamp()  # as the trailer says it: to the ms
        switch = remote.commit(NEW, "switch", f"Hotswap-Switch-At: {trailer_instant(at)}\n")
        pushed = remote.push({ring_ref(p): switch for p in RINGS})
        threading.Thread(target=reader, daemon=True).start()
        wait(lambda: len(swapped) == len(agents), args.lead + 30, "every server switched")
        reading.set()
        tree_reads = fetches() - before
        kept = sum(1 for snap in pinned if damage(snap) == PEER)
    late = sum(_values(metrics.late).values())
    offsets = [swapped[a.server_id] - at for a in agents]
    lead = at - pushed
    print(f"switch (Switch-At {lead:.2f} s after the push): all {len(swapped)} servers flipped, {late:.0f} late")
    print("  " + stats("offset from the instant", offsets))
    print(f"  tree reads during the switch: {tree_reads}")
    total = len(pinned)
    preserved = (kept - len(errors)) / max(total, 1)
    print(
        f"  matches open across the switch: {total}, {kept} kept their release, {len(errors)} errors in "
        f"{reads[0]:,} reads: {preserved:.3%} preserved"
    )
    new_match = agents[0].snapshot
    assert damage(new_match) == NEW
    spread, peer_spread = max(offsets) - min(offsets), max(peer) - min(peer)
    print(
        f"spread ratio switch / peer: {spread / peer_spread:.4f} ({spread * 1000:.1f} ms / {peer_spread * 1000:.0f} ms)"
    )
    p99 = percentile(offsets, 0.99) - min(offsets)
    print(f"  p99 of the switch's spread: {p99 * 1000:.1f} ms (target < 1000 ms)")

    # --- switch-back ---------------------------------------------------------------------------------------
    swapped.clear()
    target[0] = PEER
    before = fetches()
    at = read_instant(trailer_instant(time.time() + args.lead)).timestamp()
    back = remote.commit(
        PEER,
        "switch",
        f"Hotswap-Rollback-Of: {release(NEW)}\nHotswap-Reason: bench\nHotswap-Switch-At: {trailer_instant(at)}\n",
    )
    pushed = remote.push({**{ring_ref(p): back for p in RINGS}, GREEN: back})
    wait(lambda: len(swapped) == len(agents), args.lead + 30, "every server back on blue")
    done = max(swapped.values())
    offsets = [swapped[a.server_id] - at for a in agents]
    print(f"switch-back: every server on {PEER} {done - pushed:.2f} s after the push (target < 10 s)")
    print("  " + stats("offset from the instant", offsets))
    print(f"  tree reads during the switch-back: {fetches() - before}")
    poller.stop.set()
    poller.thread.join(timeout=10)


def _values(family: MetricWrapperBase, **labels: str) -> dict[str, float]:
    """One family's samples by server, read once (a registry-wide read per server is quadratic)."""
    found: dict[str, float] = {}
    for metric in family.collect():
        for sample in metric.samples:
            if sample.name.endswith("_created"):
                continue
            if all(sample.labels.get(k) == v for k, v in labels.items()):
                found[sample.labels["server"]] = sample.value
    return found


if __name__ == "__main__":
    main()
