"""Live events turn on by the server's clock: the agent, its metrics and the sidecar's file change
at the boundary with no ref moving, and the sidecar tells the server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.git_channel import GitRemote
from contract.instants import format_instant
from tests.agent.fixtures import RingRepo, Sidecar, wait_for
from tests.conftest import git

EVENT = """apiVersion: hotswap/v1
kind: LiveEvent
metadata: {{name: rush, game: g, version: 1.0.0}}
spec:
  start: "{start}"
  end: "{end}"
  regions: [NA-WEST]
"""


def event_soon(repo: RingRepo, lead: float = 2.5) -> datetime:
    """Deploy a config whose event starts `lead` seconds ahead (a whole second); returns its start."""
    start = (datetime.now(UTC) + timedelta(seconds=lead + 1)).replace(microsecond=0)
    end = start + timedelta(hours=1)
    (repo.work / "event.yaml").write_text(EVENT.format(start=format_instant(start), end=format_instant(end)))
    repo.deploy(45)
    return start


def test_the_agent_activates_an_event_at_its_start_without_a_fetch(ring_repo: RingRepo) -> None:
    start = event_soon(ring_repo)
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry)
    assert agent.poll_once() is True
    tip = git(ring_repo.remote, "rev-parse", "refs/heads/deploy/g/NA-WEST/ring-100")
    schedule = agent.events()
    assert schedule is not None and schedule.active_names == () and schedule.next_boundary == start
    assert [p.event.name for p in schedule.scheduled] == ["rush"]

    def metric(name: str, **extra: str) -> float | None:
        labels = {"game": "g", "region": "NA-WEST", "server": "na-west-001", **extra}
        return registry.get_sample_value(name, labels)

    assert metric("hotswap_agent_active_events") == 0 and metric("hotswap_agent_event_active", event="rush") == 0
    wait_for(lambda: datetime.now(UTC) >= start, 10)
    after = agent.events()
    assert after is not None and after.active_names == ("rush",)
    assert metric("hotswap_agent_active_events") == 1 and metric("hotswap_agent_event_active", event="rush") == 1
    assert agent.poll_once() is False  # nothing was fetched: the ref never moved
    assert git(ring_repo.remote, "rev-parse", "refs/heads/deploy/g/NA-WEST/ring-100") == tip


def test_the_sidecar_rewrites_active_events_at_the_boundary_and_tells_the_server(
    ring_repo: RingRepo, tmp_path: Path
) -> None:
    start = event_soon(ring_repo)
    (tmp_path / "server").mkdir()
    out, calls = tmp_path / "server" / "config", tmp_path / "calls"
    told = f"{sys.executable} -c \"import time; open('{calls}', 'a').write(repr(time.time()) + chr(10))\""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotswap",
            "agent",
            *("--game", "g", "--region", "NA-WEST", "--server-id", "na-west-001"),
            *("--remote", str(ring_repo.remote), "--out", str(out), "--interval", "0.2", "--exec", told),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    events = tmp_path / "server" / "active-events.json"
    try:
        wait_for(lambda: events.exists() and calls.exists(), 20)
        first = json.loads(events.read_text())
        assert first["active"] == [] and first["nextBoundary"] == format_instant(start)
        assert len(calls.read_text().splitlines()) == 1  # the swap
        wait_for(lambda: json.loads(events.read_text())["active"] != [], 10)
        seen = time.time()
        active = json.loads(events.read_text())
        assert [e["name"] for e in active["active"]] == ["rush"] and active["revision"] == "450000000000"
        assert seen - start.timestamp() < 1.0  # at the instant, not at a poll
        wait_for(lambda: len(calls.read_text().splitlines()) == 2, 5)
        assert float(calls.read_text().splitlines()[1]) >= start.timestamp()
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_an_event_ending_in_the_year_9999_leaves_the_events_thread_alive_for_the_next_boundary(
    ring_repo: RingRepo, tmp_path: Path
) -> None:
    # `forever` is active and its end, the next boundary, lies beyond any wait a thread can take.
    forever = EVENT.format(start=format_instant(datetime.now(UTC) - timedelta(hours=1)), end="9999-12-31T23:59:59Z")
    (ring_repo.work / "forever.yaml").write_text(forever.replace("name: rush", "name: forever"))
    ring_repo.deploy(45)
    (tmp_path / "server").mkdir()
    out, calls = tmp_path / "server" / "config", tmp_path / "calls"
    told = f"{sys.executable} -c \"import time; open('{calls}', 'a').write(repr(time.time()) + chr(10))\""
    process = Sidecar(ring_repo.remote, out, "--exec", told)
    events = tmp_path / "server" / "active-events.json"
    try:
        wait_for(lambda: events.exists() and calls.exists())
        shown = json.loads(events.read_text())
        assert [e["name"] for e in shown["active"]] == ["forever"]
        assert shown["nextBoundary"] == "9999-12-31T23:59:59.000Z"
        start = event_soon(ring_repo)  # a second event, starting in a few seconds
        wait_for(lambda: len(calls.read_text().splitlines()) == 2, 10)  # its swap
        wait_for(lambda: [e["name"] for e in json.loads(events.read_text())["active"]] == ["forever", "rush"], 10)
        wait_for(lambda: len(calls.read_text().splitlines()) == 3, 5)  # the boundary, told
        assert float(calls.read_text().splitlines()[2]) >= start.timestamp()
    finally:
        err = process.stop()
    assert "Traceback" not in err, err


def test_a_failed_rewrite_of_the_events_file_is_counted_logged_and_retried(ring_repo: RingRepo, tmp_path: Path) -> None:
    ring_repo.deploy(45)
    (tmp_path / "server").mkdir()
    blocked = tmp_path / "server" / "events"
    blocked.write_text("a file where the events file's folder goes")
    events = blocked / "active-events.json"
    process = Sidecar(ring_repo.remote, tmp_path / "server" / "config", "--events-file", str(events))
    try:
        wait_for(lambda: process.serves(45) and process.errors("events-file") >= 1)
        blocked.unlink()
        blocked.mkdir()
        wait_for(events.exists, 10)  # retried with no config change and no boundary
        assert json.loads(events.read_text())["revision"] == "450000000000"
    finally:
        err = process.stop()
    assert "Traceback" not in err and f"rewrite of {events} failed" in err, err
