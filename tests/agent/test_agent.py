"""The agent against a real bare remote: swaps, pinning, refusal of invalid configs, concurrency."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from agent.agent import Agent, InvalidConfig
from agent.git_channel import GitRemote
from agent.source import DirectorySource, SourceProblem
from tests.agent.fixtures import BALANCE, POLICY, RING, RingRepo, damage
from tests.conftest import git


def agent_for(repo: RingRepo, server: str = "na-west-001", cache: Path | None = None) -> Agent:
    # na-west-001 is in bucket 87: ring-100
    return Agent("g", "NA-WEST", server, GitRemote(str(repo.remote), cache), registry=CollectorRegistry())


def test_swap_on_change_only(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    agent = agent_for(ring_repo)
    seen: list[tuple[str | None, str]] = []
    agent.add_listener(lambda old, new: seen.append((old.revision if old else None, new.revision)))
    assert agent.poll_once() is True and damage(agent) == 45
    assert agent.poll_once() is False  # nothing moved: no fetch, no swap
    ring_repo.deploy(48)
    assert agent.poll_once() is True and damage(agent) == 48
    assert seen == [(None, "450000000000"), ("450000000000", "480000000000")]
    snap = agent.snapshot
    assert snap is not None and snap.revision == "480000000000"
    with pytest.raises(TypeError):
        snap.spec("GameBalance")["weapons"]["rifle"]["damage"] = 1


def test_an_invalid_commit_is_refused_and_the_old_config_served(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    agent = agent_for(ring_repo)
    agent.poll_once()
    ring_repo.deploy(10**9)  # outside the schema's range
    with pytest.raises(InvalidConfig, match=r"balance\.yaml"):
        agent.poll_once()
    assert damage(agent) == 45
    assert agent.poll_once() is False  # the refused version is not fetched again
    ring_repo.deploy(47)
    assert agent.poll_once() is True and damage(agent) == 47


def test_metrics_carry_the_revision(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    registry = CollectorRegistry()
    agent = Agent("g", "NA-WEST", "na-west-001", GitRemote(str(ring_repo.remote)), registry=registry)
    agent.poll_once()
    ring_repo.deploy(10**9)
    with pytest.raises(InvalidConfig):
        agent.poll_once()
    text = generate_latest(registry).decode()
    assert (
        'hotswap_agent_config_info{config_revision="450000000000",game="g",pool="blue",region="NA-WEST",server="na-west-001"} 1.0'
        in text
    )
    assert 'hotswap_agent_errors_total{game="g",kind="invalid",region="NA-WEST",server="na-west-001"} 1.0' in text
    assert 'hotswap_agent_swaps_total{game="g",region="NA-WEST",server="na-west-001"} 1.0' in text


def test_a_missing_ring_is_a_source_problem_and_nothing_changes(ring_repo: RingRepo) -> None:
    agent = agent_for(ring_repo)
    with pytest.raises(SourceProblem):
        agent.poll_once()
    assert agent.snapshot is None


def test_the_server_follows_its_ring(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    ring_repo.deploy(45, release="45", ref="refs/heads/deploy/g/NA-WEST/ring-50")
    agent = agent_for(ring_repo, server="na-west-002")  # bucket 25: ring-50 with rings 10/50/100
    agent.poll_once()
    assert agent.ring == 50
    ring_repo.deploy(49, ref="refs/heads/deploy/g/NA-WEST/ring-50")
    agent.poll_once()
    assert damage(agent) == 49


def test_a_pinned_session_keeps_its_snapshot_across_swaps(ring_repo: RingRepo) -> None:
    ring_repo.deploy(45)
    agent = agent_for(ring_repo)
    agent.poll_once()
    with agent.session() as match:
        ring_repo.deploy(48)
        agent.poll_once()
        assert match.spec("GameBalance")["weapons"]["rifle"]["damage"] == 45
        assert damage(agent) == 48
        assert agent.pinned_to_older() == 1
        with agent.session() as new_match:
            assert new_match.spec("GameBalance")["weapons"]["rifle"]["damage"] == 48
    assert agent.pinned_to_older() == 0


def test_readers_never_see_a_mix_of_two_revisions(tmp_path: Path) -> None:
    """Each version sets damage and magazine to the same number: a torn read would show them apart."""
    directory = tmp_path / "config"
    directory.mkdir()

    def write(n: int) -> None:
        (directory / "rollout-policy.yaml").write_text(POLICY)
        (directory / "balance.yaml").write_text(BALANCE.format(damage=n, magazine=n))

    write(1)
    agent = Agent("g", "NA-WEST", "s", DirectorySource(directory), registry=CollectorRegistry())
    agent.poll_once()
    stop = threading.Event()
    torn: list[tuple[int, int]] = []
    reads = [0]

    def reader() -> None:
        while not stop.is_set():
            snap = agent.snapshot
            assert snap is not None
            rifle = snap.spec("GameBalance")["weapons"]["rifle"]
            if rifle["damage"] != rifle["magazine"]:
                torn.append((rifle["damage"], rifle["magazine"]))
            reads[0] += 1
            time.sleep(0)  # let the writer run: busy readers would starve it under the GIL

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    swaps = 0
    for n in range(2, 60):
        write(n)
        if agent.poll_once():
            swaps += 1
    stop.set()
    for t in threads:
        t.join()
    assert swaps >= 50 and reads[0] > 1000
    assert torn == []


def test_over_the_git_protocol_only_the_ring_ref_is_fetched(ring_repo: RingRepo, tmp_path: Path) -> None:
    ring_repo.deploy(45)
    ring_repo.deploy(30, ref="refs/heads/deploy/g/EU-WEST/ring-100")  # another region: never fetched
    remote = GitRemote(str(ring_repo.remote), tmp_path / "cache", in_place=False)
    agent = Agent("g", "NA-WEST", "na-west-001", remote, registry=CollectorRegistry())
    assert agent.poll_once() and damage(agent) == 45
    ring_repo.deploy(48)
    assert agent.poll_once() and damage(agent) == 48
    cache = next((tmp_path / "cache").iterdir())
    refs = git(cache, "for-each-ref", "--format=%(refname)")
    assert refs.splitlines() == [RING]
