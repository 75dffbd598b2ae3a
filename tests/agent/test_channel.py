"""The agent reads through a channel (agent.channel.Channel): ring, green pool, a version's head and
its files. Git is one implementation (agent.git_channel); the Agent and its blue-green side know
only the protocol, so another distribution channel drives them unchanged, shown here by one in memory."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.channel import Channel, OneSource, as_channel
from agent.git_channel import GitRemote
from agent.snapshot import ConfigSnapshot
from agent.source import DirectorySource, Fetched, Head
from contract.ring import ring_for
from tests.agent.fixtures import POLICY

ROOT = Path(__file__).resolve().parents[2]
BALANCE = """apiVersion: hotswap/v1
kind: GameBalance
metadata: {name: balance, game: g, version: 1.0.0}
spec:
  weapons:
    rifle: {damage: %d, fireRate: 600, reloadTime: 2, range: 100, magazine: 30}
"""


def config(damage: int) -> dict[str, bytes]:
    return {"rollout-policy.yaml": POLICY.encode(), "balance.yaml": (BALANCE % damage).encode()}


class Feed:
    """One feed of the channel: versions published in memory, the tip is the current one."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.tip: str | None = None
        self.versions: dict[str, dict[str, bytes]] = {}

    def publish(self, files: dict[str, bytes]) -> str:
        version = hashlib.sha256(repr(sorted(files.items())).encode() + self.where.encode()).hexdigest()
        self.versions[version], self.tip = files, version
        return version

    def current(self) -> str | None:
        return self.tip

    def head(self, version: str) -> Head:
        tree = hashlib.sha256(repr(sorted(self.versions[version].items())).encode()).hexdigest()
        return Head(version, tree, tree[:12], {"Hotswap-Release": tree[:12]})

    def fetch(self, version: str) -> Fetched:
        return Fetched(version, self.head(version).revision, dict(self.versions[version]))


class MemoryChannel:
    """A distribution channel that is not git: a feed per ring and one green pool per region."""

    green_pool = True

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.loaded: dict[str, ConfigSnapshot] = {}

    def feed(self, name: str) -> Feed:
        return self.feeds.setdefault(name, Feed(name))

    def ring(self, game: str, region: str, percent: int) -> Feed:
        return self.feed(f"{game}/{region}/ring-{percent}")

    def green(self, game: str, region: str) -> Feed:
        return self.feed(f"{game}/{region}/green")


def damage(agent: Agent) -> object:
    snapshot = agent.snapshot
    assert snapshot is not None
    return snapshot.spec("GameBalance", "balance")["weapons"]["rifle"]["damage"]


def test_another_channel_drives_the_agent_through_its_rings_and_a_green_pool() -> None:
    channel = MemoryChannel()
    for ring, value in ((10, 10), (50, 50), (100, 100)):
        channel.ring("g", "NA-WEST", ring).publish(config(value))
    green = channel.green("g", "NA-WEST").publish(config(7))
    servers = [f"na-west-{i:03d}" for i in range(12)]
    agents = [Agent("g", "NA-WEST", s, channel, registry=CollectorRegistry()) for s in servers]
    for agent in agents:
        assert agent.poll_once()
        # the first config names the rings: the server moved to its own at once, in the same poll
        assert damage(agent) == ring_for(agent.server_id, (10, 50, 100))
    # validated once per version, fleet-wide: each ring's and green's (the channel's shared memo)
    assert len(channel.loaded) == 4 and all(
        a.snapshot is channel.loaded[a.snapshot.version] for a in agents if a.snapshot
    )
    assert agents[0].bluegreen is not None and len(agents[0].bluegreen.holds()) == 2  # green pre-fetched
    assert green in channel.loaded

    follower = Agent("g", "NA-WEST", "na-west-green", channel, registry=CollectorRegistry(), pool="green")
    assert follower.poll_once() and damage(follower) == 7


def test_a_lone_source_is_one_source_for_every_ring_without_a_green_pool(tmp_path: Path) -> None:
    for name, data in config(45).items():
        (tmp_path / name).write_bytes(data)
    source = DirectorySource(tmp_path)
    agent = Agent("g", "NA-WEST", "na-west-001", source, registry=CollectorRegistry())
    assert isinstance(agent.channel, OneSource) and agent.bluegreen is None and agent.source is source
    assert agent.poll_once() and damage(agent) == 45 and not agent.poll_once()
    remote = GitRemote(str(tmp_path / "remote.git"))
    assert as_channel(remote) is remote and isinstance(remote, Channel)


def test_the_agent_knows_the_channel_protocol_only() -> None:
    """No git type, no isinstance on a channel's class: the git channel is one implementation."""
    for module in ("agent/agent.py", "agent/bluegreen.py"):
        tree = ast.parse((ROOT / module).read_text())
        imported = {
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert not {name for name in imported if "git" in name.lower()}, (module, imported)
        calls = [
            node for node in ast.walk(tree) if isinstance(node, ast.Call) and ast.unparse(node.func) == "isinstance"
        ]
        assert not [ast.unparse(c) for c in calls if "Source" in ast.unparse(c) or "Remote" in ast.unparse(c)]
