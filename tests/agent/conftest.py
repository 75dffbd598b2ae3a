"""What the agent's tests share: the ring repository, a sidecar process, waiting for a condition."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry

from tests.agent.test_agent import RingRepo
from tests.promoter.fixtures import free_port


def errors(registry: CollectorRegistry, kind: str) -> float:
    labels = {"game": "g", "region": "NA-WEST", "server": "na-west-001", "kind": kind}
    return registry.get_sample_value("hotswap_agent_errors_total", labels) or 0.0


@pytest.fixture
def ring_repo(tmp_path: Path) -> RingRepo:
    return RingRepo(tmp_path)


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


class Sidecar:
    """`hotswap agent` as its own process, with its metrics on a local port."""

    def __init__(self, remote: Path, out: Path, *options: str) -> None:
        self.out = out
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotswap",
                "agent",
                *("--game", "g", "--region", "NA-WEST", "--server-id", "na-west-001"),
                *("--remote", str(remote), "--out", str(out)),
                *("--interval", "0.05", "--metrics-port", str(self.port)),
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def metrics(self) -> str:
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        except requests.ConnectionError:
            return ""

    def errors(self, kind: str) -> float:
        prefix = f'hotswap_agent_errors_total{{game="g",kind="{kind}",region="NA-WEST",server="na-west-001"}} '
        lines = [line for line in self.metrics().splitlines() if line.startswith(prefix)]
        return float(lines[0].removeprefix(prefix)) if lines else 0.0

    def revisions(self) -> list[str]:
        prefix = 'hotswap_agent_config_info{config_revision="'
        return [line[len(prefix) :][:12] for line in self.metrics().splitlines() if line.startswith(prefix)]

    def serves(self, damage: int) -> bool:
        try:
            return f"damage: {damage}," in (self.out / "balance.yaml").read_text()
        except FileNotFoundError:
            return False

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=30)
        return err


@pytest.fixture
def sidecar(ring_repo: RingRepo, tmp_path: Path) -> Iterator[Sidecar]:
    ring_repo.deploy(45)
    (tmp_path / "server").mkdir()
    process = Sidecar(ring_repo.remote, tmp_path / "server" / "config")
    try:
        wait_for(lambda: process.serves(45) and process.revisions() == ["450000000000"])
        yield process
    finally:
        process.stop()
