"""Benchmark: the live-event kill switch, from the command to the last of N agents reporting the event
inactive, against a named peer on the same fleet and policy.

The fleet: N agents (default 200) of the shipped battle-royale game, spread over its five regions in
one simulator process (`agent.simulator.Fleet`), polling a local bare remote every 2 s. The command
is `hotswap event stop` run as its own process (start-up, fetch, one push included).

The peer: the same edit shipped as an ordinary canary release of the edited main commit, the way
every other change goes. Its time is computed, not waited for: the policy's floor, one interval per
step of every region (`RolloutPolicy.minimum_duration`; approvals come on top and are not counted),
plus one poll. Judged steps are expected to hold longer (printed beside it), so the ratio against
the floor is the least the kill switch saves.

    python bench/event_bench.py [--servers 200] [--poll 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.simulator import Fleet
from contract.instants import format_instant
from pipeline.durations import format_duration
from pipeline.event_plan import reach_times
from pipeline.policy import policy_from_spec
from pipeline.yamlstrict import parse
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler

ROOT = Path(__file__).resolve().parent.parent
GAME = "battle-royale"
EVENT = f"configs/{GAME}/events/winter-festival.yaml"


def git(cwd: Path, *args: str) -> str:
    run = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args]
    return subprocess.run(run, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def seed(tmp: Path) -> tuple[Path, list[str]]:
    """A bare remote whose main holds the shipped game with the festival running now, bootstrapped
    to every ring; returns it and the policy's regions."""
    work = tmp / "work"
    shutil.copytree(ROOT / "configs" / GAME, work / "configs" / GAME)
    shutil.copytree(ROOT / "schemas", work / "schemas")
    event = work / EVENT
    now = datetime.now(UTC)
    text = event.read_text().replace("2026-12-18T17:00:00Z", format_instant(now - timedelta(hours=1)))
    event.write_text(text.replace("2027-01-04T17:00:00Z", format_instant(now + timedelta(days=7))))
    git(tmp, "init", "-q", "-b", "main", str(work))
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "configs")
    remote = tmp / "remote.git"
    git(tmp, "clone", "-q", "--bare", str(work), str(remote))
    (outcome,) = Reconciler(Remote(str(remote), tmp / "cache"), PrometheusSource("http://127.0.0.1:9")).run_once()
    assert outcome.summary.startswith("bootstrap"), outcome
    policy = parse((work / f"configs/{GAME}/rollout-policy.yaml").read_text()).value
    return remote, [r["name"] for r in policy["spec"]["regions"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--poll", type=float, default=2.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotswap-event-bench-"))
    stop = threading.Event()
    try:
        remote, regions = seed(tmp)
        fleet = Fleet(str(remote), GAME, regions, servers_per_region=-(-args.servers // len(regions)))
        agents = [s.agent for s in fleet.servers]

        def polling() -> None:
            while not stop.is_set():
                fleet.poll()
                stop.wait(args.poll)

        poller = threading.Thread(target=polling, daemon=True)
        poller.start()
        deadline = time.monotonic() + 120
        while not all((s := a.events()) is not None and s.active_names for a in agents):
            assert time.monotonic() < deadline, "the fleet never loaded the event"
            time.sleep(0.05)

        started = time.monotonic()
        command = [sys.executable, "-m", "hotswap", "event", "stop", "--remote", str(remote), "--cache"]
        command += [str(tmp / "cli"), "--game", GAME, "--event", "winter-festival", "--reason", "bench"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(command, check=True, capture_output=True, env=env)
        pushed = time.monotonic() - started
        while any(a.events().active_names for a in agents):  # type: ignore[union-attr]
            assert time.monotonic() - started < 120, "agents still report the event after 120 s"
            time.sleep(0.01)
        measured = time.monotonic() - started
        stop.set()

        policy_doc = parse((ROOT / f"configs/{GAME}/rollout-policy.yaml").read_text()).value
        policy = policy_from_spec(GAME, policy_doc["spec"])
        poll = timedelta(seconds=args.poll)
        floor = policy.minimum_duration + poll if policy.regions else None  # one interval per step
        reach = reach_times(policy)  # the expected holds of judged steps
        print(f"fleet: {len(agents)} agents in {len(regions)} regions, one process, polling every {args.poll:g} s")
        print(f"kill switch: command -> every agent off: {measured:.2f} s (the command itself: {pushed:.2f} s)")
        if floor is None or floor <= timedelta(0):
            print("peer (ordinary canary release of the edited main commit): did not compute; no ratio")
            return 1
        print(
            "peer, an ordinary canary release of the edited main commit: one interval per step in "
            f"{len(policy.regions)} regions + one poll, approvals not counted: {format_duration(floor)} "
            f"({floor.total_seconds():,.0f} s); with the policy's expected holds: "
            f"{format_duration(max(reach.values()) + poll)}"
        )
        print(f"ratio: the kill switch is {floor.total_seconds() / measured:,.0f}x faster than the peer's floor")
    finally:
        stop.set()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
