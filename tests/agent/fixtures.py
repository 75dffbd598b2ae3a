"""What the agent's tests share: the ring repository, a sidecar process, waiting for a condition."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from prometheus_client import CollectorRegistry

from agent.agent import Agent
from tests.conftest import git
from tests.promoter.fixtures import free_port

RING = "refs/heads/deploy/g/NA-WEST/ring-100"
POLICY = """apiVersion: hotswap/v1
kind: RolloutPolicy
metadata: {name: rollout, game: g, version: 1.0.0}
spec:
  strategy: canary
  rings: [10, 50, 100]
  regions: [{name: NA-WEST, steps: [10, 50, 100], interval: PT1M}]
  analysis: {checks: [{name: c, query: q, critical: {above: 1}}]}
"""
BALANCE = """apiVersion: hotswap/v1
kind: GameBalance
metadata: {{name: balance, game: g, version: 1.0.0}}
spec:
  weapons:
    rifle: {{damage: {damage}, fireRate: 600, reloadTime: 2, range: 100, magazine: {magazine}}}
"""


class RingRepo:
    """A bare remote whose ring branches the test writes directly (a tree holding the game folder)."""

    def __init__(self, root: Path) -> None:
        self.remote = root / "remote.git"
        git(root, "init", "-q", "--bare", str(self.remote))
        self.work = root / "ring"
        self.work.mkdir()
        git(self.work, "init", "-q", "-b", "ring")

    def deploy(self, damage: int | str, magazine: int = 30, ref: str = RING, release: str | None = None) -> str:
        (self.work / "rollout-policy.yaml").write_text(POLICY)
        (self.work / "balance.yaml").write_text(BALANCE.format(damage=damage, magazine=magazine))
        git(self.work, "add", "-A")
        message = f"deploy {damage}\n\nHotswap-Release: {(release or str(damage)).ljust(40, '0')}\n"
        git(self.work, "commit", "-q", "--allow-empty", "-m", message)
        git(self.work, "push", "-q", "--force", str(self.remote), f"HEAD:{ref}")
        return git(self.work, "rev-parse", "HEAD")


def damage(agent: Agent) -> int:
    snap = agent.snapshot
    assert snap is not None
    return int(snap.spec("GameBalance")["weapons"]["rifle"]["damage"])


def errors(registry: CollectorRegistry, kind: str) -> float:
    labels = {"game": "g", "region": "NA-WEST", "server": "na-west-001", "kind": kind}
    return registry.get_sample_value("hotswap_agent_errors_total", labels) or 0.0


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
