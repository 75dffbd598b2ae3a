"""Malformed ring commits, built object by object in a real bare repository: the agent (and the sidecar
process) count them, keep the config they run, retry, and pick up the next good commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pygit2
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from agent.agent import Agent
from agent.git_channel import GitRemote
from agent.source import MalformedTree
from tests.agent.fixtures import RING, RingRepo, Sidecar, damage, errors, wait_for
from tests.conftest import RunCli

MISSING = "1" * 40


def raw_tree(entries: list[tuple[str, str, str]]) -> bytes:
    """A tree object's bytes, entries as given: git's own tools would refuse most of what the tests write."""
    return b"".join(f"{mode} {name}".encode() + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)


class Breaker:
    """Writes broken commits on the ring, made from the good commit at its tip when it was created."""

    def __init__(self, remote: Path) -> None:
        self.repo = pygit2.Repository(str(remote))
        self.good = self.repo.references[RING].peel(pygit2.Commit)

    def _write(self, kind: int, data: bytes) -> str:
        return str(self.repo.odb.write(kind, data))

    def good_entries(self) -> list[tuple[str, str, str]]:
        return [(f"{e.filemode:o}", e.name or "", str(e.id)) for e in self.good.tree]

    def with_entry(self, mode: str, name: str, oid: str) -> str:
        """The good tree plus one entry (named to sort last)."""
        return self._write(pygit2.GIT_OBJECT_TREE, raw_tree([*self.good_entries(), (mode, name, oid)]))

    def commit(self, tree: str, release: str = "b" * 40) -> str:
        parent = str(self.repo.references[RING].target)
        who = "Test <test@example.com> 1700000000 +0000"
        body = f"tree {tree}\nparent {parent}\nauthor {who}\ncommitter {who}\n\nbroken\n\nHotswap-Release: {release}\n"
        oid = self._write(pygit2.GIT_OBJECT_COMMIT, body.encode())
        self.repo.references.create(RING, oid, force=True)
        return oid


def missing_blob(b: Breaker) -> str:
    return b.with_entry("100644", "zz.yaml", MISSING)


def gitlink(b: Breaker) -> str:
    return b.with_entry("160000", "zz-submodule", MISSING)


def folder_that_is_a_blob(b: Breaker) -> str:
    return b.with_entry("40000", "zz", b.good_entries()[0][2])


def file_that_is_a_folder(b: Breaker) -> str:
    return b.with_entry("100644", "zz.yaml", str(b.good.tree.id))


def missing_folder(b: Breaker) -> str:
    return b.with_entry("40000", "zz", MISSING)


def tree_that_is_a_blob(b: Breaker) -> str:
    return b.good_entries()[0][2]


def tree_of_garbage(b: Breaker) -> str:
    return b._write(pygit2.GIT_OBJECT_TREE, b"this is not a tree")


BROKEN: dict[str, Callable[[Breaker], str]] = {
    f.__name__: f
    for f in (
        missing_blob,
        gitlink,
        folder_that_is_a_blob,
        file_that_is_a_folder,
        missing_folder,
        tree_that_is_a_blob,
        tree_of_garbage,
    )
}


@pytest.mark.parametrize("breakage", BROKEN)
def test_a_malformed_commit_is_counted_retried_and_the_old_config_served(ring_repo: RingRepo, breakage: str) -> None:
    ring_repo.deploy(45)
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry)
    assert agent.poll_once() and damage(agent) == 45
    breaker = Breaker(ring_repo.remote)
    breaker.commit(BROKEN[breakage](breaker))
    for attempt in (1, 2):  # not refused for good: read again on the next poll
        with pytest.raises(MalformedTree):
            agent.poll_once()
        assert errors(registry, "malformed") == attempt
    assert damage(agent) == 45
    info = 'hotswap_agent_config_info{config_revision="450000000000",game="g",pool="blue",region="NA-WEST",server="na-west-001"}'
    assert f"{info} 1.0" in generate_latest(registry).decode()
    ring_repo.deploy(47)
    assert agent.poll_once() and damage(agent) == 47


def test_the_agent_thread_survives_a_malformed_commit(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry)
    agent.poll_once()
    breaker = Breaker(ring_repo.remote)
    breaker.commit(missing_blob(breaker))
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop, 0.01, 0.05))
    thread.start()
    try:
        wait_for(lambda: errors(registry, "malformed") >= 3)  # failed, backed off, retried
        assert thread.is_alive() and damage(agent) == 45
        ring_repo.deploy(47)
        wait_for(lambda: damage(agent) == 47)
    finally:
        stop.set()
        thread.join()


def test_the_sidecar_survives_malformed_commits(ring_repo: RingRepo, sidecar: Sidecar) -> None:
    breaker = Breaker(ring_repo.remote)
    for count, breakage in enumerate((gitlink, tree_of_garbage, missing_blob), start=1):
        breaker.commit(breakage(breaker))
        wait_for(lambda: sidecar.errors("malformed") >= count)  # noqa: B023 - called before the loop moves on
        assert sidecar.process.poll() is None
        assert sidecar.serves(45) and sidecar.revisions() == ["450000000000"]
    ring_repo.deploy(47)
    wait_for(lambda: sidecar.serves(47) and sidecar.revisions() == ["470000000000"])
    assert sidecar.process.poll() is None


def test_agent_once_on_a_malformed_ring_exits_2_with_one_line(
    ring_repo: RingRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    ring_repo.deploy(45)
    breaker = Breaker(ring_repo.remote)
    broken = breaker.commit(missing_folder(breaker))
    out = tmp_path / "config"
    args = ["agent", "--game", "g", "--region", "NA-WEST", "--server-id", "na-west-001"]
    code, stdout, stderr = run_cli([*args, "--remote", str(ring_repo.remote), "--out", str(out), "--once"])
    assert code == 2 and stdout == "" and not out.exists()
    assert stderr.startswith(f"hotswap: error: {broken[:12]}: unreadable tree: ") and stderr.count("\n") == 1
