"""Nothing stops the agent: a failed publish is a failed swap, any exception is counted, hostile configs
are refused, and a file over the size limit is refused before any of it is read."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from agent.agent import Agent, InvalidConfig
from agent.git_channel import GitRemote
from agent.sidecar import SidecarError, publish
from agent.snapshot import ConfigSnapshot
from agent.source import DirectorySource, Fetched
from contract.errors import HotswapFailure
from tests.agent.fixtures import BALANCE, POLICY, RING, RingRepo, Sidecar, damage, errors, wait_for
from tests.conftest import git
from tests.pipeline.fixtures import peak_rss_growth_kib

INFO = "hotswap_agent_config_info"
LABELS = {"game": "g", "region": "NA-WEST", "server": "na-west-001"}


def running(registry: CollectorRegistry) -> list[str]:
    """The revisions hotswap_agent_config_info reports as running."""
    return [
        s.labels["config_revision"]
        for metric in registry.collect()
        if metric.name == INFO
        for s in metric.samples
        if s.value == 1
    ]


def published(out: Path) -> str:
    return out.resolve(strict=True).name


# --- a failed publish is a failed swap --------------------------------------------------------------


def test_a_failed_publish_keeps_the_old_config_and_is_retried(ring_repo: RingRepo, tmp_path: Path) -> None:
    out = tmp_path / "server" / "config"
    out.parent.mkdir()
    registry = CollectorRegistry()

    def to_folder(snapshot: ConfigSnapshot) -> None:
        publish(out, snapshot.version, dict(snapshot.files))

    agent = Agent(
        "g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry, publisher=to_folder
    )
    first = ring_repo.deploy(45)
    assert agent.poll_once() and published(out) == first
    second = ring_repo.deploy(47)
    # The link is written beside `out` under the process id: a folder there makes the publish fail, as a
    # full or read-only disk would (chmod does not stop root).
    blocker = out.parent / f".{out.name}.link-{os.getpid()}"
    (blocker / "in-the-way").mkdir(parents=True)
    with pytest.raises(SidecarError):
        agent.poll_once()
    assert damage(agent) == 45 and published(out) == first and running(registry) == ["450000000000"]
    assert errors(registry, "publish") == 1
    with pytest.raises(SidecarError):  # the next poll tries again: nothing was marked as done
        agent.poll_once()
    assert errors(registry, "publish") == 2
    shutil.rmtree(blocker)
    assert agent.poll_once()
    assert damage(agent) == 47 and published(out) == second and running(registry) == ["470000000000"]
    assert agent.poll_once() is False


def test_the_sidecar_retries_a_failed_publish(ring_repo: RingRepo, sidecar: Sidecar) -> None:
    blocker = sidecar.out.parent / f".{sidecar.out.name}.link-{sidecar.process.pid}"
    (blocker / "in-the-way").mkdir(parents=True)
    second = ring_repo.deploy(47)
    wait_for(lambda: sidecar.errors("publish") >= 2)
    assert sidecar.serves(45) and sidecar.revisions() == ["450000000000"]
    shutil.rmtree(blocker)
    wait_for(lambda: sidecar.serves(47))
    wait_for(lambda: sidecar.revisions() == ["470000000000"])
    assert published(sidecar.out) == second and sidecar.process.poll() is None


# --- any exception is counted, never the end of the thread ------------------------------------------


class FailsOnce:
    """A source whose first look raises what no one planned for."""

    def __init__(self, inner: DirectorySource) -> None:
        self.inner = inner
        self.calls = 0

    def current(self) -> str | None:
        self.calls += 1
        if self.calls == 1:
            raise ZeroDivisionError("a bug in a source")
        return self.inner.current()

    def fetch(self, version: str) -> Fetched:
        return self.inner.fetch(version)


def config_dir(root: Path, damage: int | str) -> Path:
    root.mkdir(exist_ok=True)
    (root / "rollout-policy.yaml").write_text(POLICY)
    (root / "balance.yaml").write_text(BALANCE.format(damage=damage, magazine=30))
    return root


def test_an_unexpected_exception_is_counted_as_internal(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", FailsOnce(DirectorySource(config_dir(tmp_path / "c", 45))), registry)
    with pytest.raises(HotswapFailure) as info:
        agent.poll_once()
    assert info.value.kind == "internal" and isinstance(info.value.__cause__, ZeroDivisionError)
    assert errors(registry, "internal") == 1 and agent.snapshot is None
    assert agent.last_error is not None and "ZeroDivisionError: a bug in a source" in agent.last_error
    assert agent.poll_once() and damage(agent) == 45


def test_the_run_loop_outlives_an_unexpected_exception(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    source = FailsOnce(DirectorySource(config_dir(tmp_path / "c", 45)))
    agent = Agent("g", "NA-WEST", "na-west-001", source, registry)
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop, 0.01, 0.05))
    thread.start()
    try:
        wait_for(lambda: agent.snapshot is not None)
        assert errors(registry, "internal") == 1 and thread.is_alive() and damage(agent) == 45
    finally:
        stop.set()
        thread.join()


# --- nothing read from a ring crashes the agent ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "1" * 5000,  # int() raises ValueError past 4,300 digits
        "!!float 1" + "0" * 309,  # float() of it raises OverflowError
        "0x" + "f" * 4000,  # loads, but printing it would raise
    ],
)
def test_a_number_too_large_is_an_invalid_config(ring_repo: RingRepo, value: str) -> None:
    ring_repo.deploy(45)
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry)
    agent.poll_once()
    ring_repo.deploy(value, release="f" * 40)
    with pytest.raises(InvalidConfig, match=r"balance\.yaml:6: .*\[number-too-large\]"):
        agent.poll_once()
    assert errors(registry, "invalid") == 1 and errors(registry, "internal") == 0
    assert damage(agent) == 45 and running(registry) == ["450000000000"]
    assert agent.poll_once() is False  # refused once, not read again


# --- a file over the size limit is refused from its header -------------------------------------------


def commit_big_file(repo: RingRepo, size: int) -> str:
    """A ring commit whose extra config file is `size` bytes (a sparse file: cheap to make)."""
    big = repo.work / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(size)
    try:
        return repo.deploy(46)
    finally:
        big.unlink()
        git(repo.work, "rm", "-q", "--cached", "big.yaml")


def test_a_file_just_over_the_limit_is_refused(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry)
    agent.poll_once()
    commit_big_file(ring_repo, (1 << 20) + 1)
    with pytest.raises(InvalidConfig, match=r"big\.yaml:1: file is 1048577 bytes, over the limit .*\[file-too-large\]"):
        agent.poll_once()
    assert errors(registry, "invalid") == 1 and damage(agent) == 45


def test_a_large_file_is_refused_without_reading_it(ring_repo: RingRepo) -> None:
    size = 64 << 20
    commit_big_file(ring_repo, size)
    setup = """
from agent.git_channel import GitRingSource
source = GitRingSource(argv[0], argv[1])
version = source.current()
"""
    output, growth_kib = peak_rss_growth_kib(
        setup, "print(source.fetch(version).problems)", str(ring_repo.remote), RING
    )
    assert output == "{'big.yaml': ('file-too-large', 'file is 67108864 bytes, over the limit of 1048576 bytes')}"
    assert growth_kib < (size >> 10) // 8  # reading it would cost its size at least once
