"""Blue-green on the server against a real bare remote whose refs are written as the promoter writes
them: a green pool, the switch at a Hotswap-Switch-At instant from memory, late servers, switch-back."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.git_channel import GitRemote, GitRingSource
from agent.sidecar import versions_dir
from agent.simulator import Fleet
from agent.source import MalformedTree
from agent.switch import MAX_AHEAD_SECONDS, timing
from contract.instants import format_instant, read_instant
from tests.agent.fixtures import RingRepo, Sidecar, damage, wait_for
from tests.conftest import git

REGION = "NA-WEST"
RINGS = (10, 50, 100)
GREEN = f"refs/heads/deploy/g/{REGION}/green"
# Offsets are bound to 0.25 s: a flip is ~1 ms late on an idle machine, more on a loaded one.
# na-west-011 is in bucket 3 (ring-10), na-west-002 in 25 (ring-50), na-west-001 in 87 (ring-100)
BLUE_SERVERS = ("na-west-011", "na-west-002", "na-west-001")
BLUE, NEW = 45, 48  # the rifle's damage on blue and on the green release


def instant(seconds: float) -> str:
    """Seconds since the epoch as the promoter writes a `Hotswap-Switch-At`."""
    return format_instant(datetime.fromtimestamp(seconds, UTC))


def parse_instant(text: str) -> float:
    return read_instant(text).timestamp()


def ring_ref(percent: int) -> str:
    return f"refs/heads/deploy/g/{REGION}/ring-{percent}"


class Promoter:
    """Writes the refs of a blue-green release with the git CLI, as DESIGN's Strategies describe."""

    def __init__(self, repo: RingRepo) -> None:
        self.repo = repo
        self.blue = repo.deploy(BLUE)
        for percent in RINGS:
            self._push({ring_ref(percent): self.blue})
        self.green = ""

    def _push(self, refs: dict[str, str]) -> None:
        git(
            self.repo.work,
            "push",
            "-q",
            "--atomic",
            "--force",
            str(self.repo.remote),
            *(f"{c}:{r}" for r, c in refs.items()),
        )

    def _commit(self, tree_of: str, message: str) -> str:
        return git(self.repo.work, "commit-tree", f"{tree_of}^{{tree}}", "-p", tree_of, "-m", message)

    def release_green(self) -> str:
        message = (
            f"deploy {NEW}\n\nHotswap-Release: {str(NEW).ljust(40, '0')}\nHotswap-Stage: {REGION}/green\n"
            "Hotswap-Rollout: r1\n"
        )
        self.green = self.repo.deploy(NEW, ref=GREEN, release=str(NEW))
        git(self.repo.work, "commit", "-q", "--amend", "-m", message)
        self.green = git(self.repo.work, "rev-parse", "HEAD")
        self._push({GREEN: self.green})
        return self.green

    def switch(self, at: float) -> str:
        message = (
            f"switch {REGION} to {NEW}\n\nHotswap-Release: {str(NEW).ljust(40, '0')}\n"
            f"Hotswap-Stage: {REGION}/switch\nHotswap-Rollout: r1\nHotswap-Switch-At: {instant(at)}\n"
        )
        commit = self._commit(self.green, message)
        self._push({ring_ref(p): commit for p in RINGS})
        return commit

    def switch_back(self, at: float) -> str:
        message = (
            f"switch {REGION} back to {BLUE}\n\nHotswap-Release: {str(BLUE).ljust(40, '0')}\n"
            f"Hotswap-Rollback-Of: {str(NEW).ljust(40, '0')}\nHotswap-Reason: crashes above the limit\n"
            f"Hotswap-Switch-At: {instant(at)}\n"
        )
        commit = self._commit(self.blue, message)
        self._push({**{ring_ref(p): commit for p in RINGS}, GREEN: commit})
        return commit


def agent(repo: RingRepo, server: str, pool: str = "blue") -> Agent:
    return Agent("g", REGION, server, GitRemote(str(repo.remote)), registry=CollectorRegistry(), pool=pool)


def sample(a: Agent, name: str, **extra: str) -> float | None:
    return a.registry.get_sample_value(name, {"game": "g", "region": REGION, "server": a.server_id, **extra})


def fetches(a: Agent) -> int:
    assert isinstance(a.source, GitRemote)
    return sum(s.fetches for s in a.source._sources.values())


def poll_all(agents: list[Agent]) -> None:
    for a in agents:
        a.poll_once()


@pytest.fixture
def promoter(ring_repo: RingRepo) -> Promoter:
    return Promoter(ring_repo)


@pytest.fixture
def fleet(ring_repo: RingRepo, promoter: Promoter) -> list[Agent]:
    """Three blue servers (one per ring) and a green one, all on blue; then green is released."""
    agents = [agent(ring_repo, s) for s in BLUE_SERVERS] + [agent(ring_repo, "na-west-005", pool="green")]
    poll_all(agents)
    promoter.release_green()
    poll_all(agents)
    return agents


def test_the_switch_instant_is_read_strictly() -> None:
    assert instant(parse_instant("2026-11-29T18:00:05.250Z")) == "2026-11-29T18:00:05.250Z"
    assert parse_instant("2026-11-29T18:00:05Z") == parse_instant("2026-11-29T18:00:05.000+00:00")
    now = parse_instant("2026-11-29T18:00:00.000Z")
    assert timing({}, now).at is None
    assert timing({"Hotswap-Switch-At": "2026-11-29T18:00:05.000Z"}, now).at == now + 5
    assert timing({"Hotswap-Switch-At": "2026-11-29T17:59:00.000Z"}, now).at == now - 60  # past: at once, late
    assert timing({"Hotswap-Switch-At": "2026-11-29T19:00:05+01:00"}, now).at == now + 5  # an offset is read too
    for bad in ("2026-11-29 18:00:05", "2026-11-29T18:00:05", "2026-13-29T18:00:05Z", "soon"):
        ignored = timing({"Hotswap-Switch-At": bad}, now)
        assert ignored.at is None and ignored.note and "ignored" in ignored.note
    far = timing({"Hotswap-Switch-At": instant(now + MAX_AHEAD_SECONDS + 1)}, now)
    assert far.at is None and far.note and "more than 600 s" in far.note


def test_a_green_server_serves_green_at_once_while_blue_servers_hold_it(fleet: list[Agent]) -> None:
    *blue, green = fleet
    assert damage(green) == NEW
    assert [damage(a) for a in blue] == [BLUE] * 3
    for a in blue:  # validated, in memory, and reported
        assert sample(a, "hotswap_agent_prefetched_info", config_revision="480000000000") == 1
        assert len(a.bluegreen.holds()) == 2 if a.bluegreen else False
    assert sample(green, "hotswap_agent_prefetched_info", config_revision="450000000000") == 1  # blue, for later


def test_a_switch_flips_every_server_at_its_instant_from_memory(
    fleet: list[Agent], promoter: Promoter, ring_repo: RingRepo
) -> None:
    *blue, green = fleet
    with blue[0].session() as match:
        before = [fetches(a) for a in fleet]
        at = time.time() + 1.5
        switch = promoter.switch(at)
        # Honest check that nothing reads the tree: the green release's own blobs leave the remote.
        removed = remove_blobs(ring_repo.remote, promoter.green, promoter.blue)
        assert removed
        with pytest.raises(MalformedTree):  # a tree read now fails
            GitRingSource(str(ring_repo.remote), ring_ref(100)).fetch(switch)
        poll_all(fleet)
        assert [damage(a) for a in blue] == [BLUE] * 3  # scheduled, not yet
        wait_for(lambda: time.time() > at + 0.3, 5)
        assert [damage(a) for a in fleet] == [NEW] * 4
        assert [fetches(a) for a in fleet] == before
        for a in blue:
            offset = sample(a, "hotswap_agent_last_switch_offset_seconds")
            assert offset is not None and 0 <= offset < 0.25, offset
            assert sample(a, "hotswap_agent_switch_late_total") == 0
            assert a.snapshot is not None and a.snapshot.version == switch
        assert sample(green, "hotswap_agent_switches_total") == 0  # green already ran it: nothing to switch
        # the match that started on blue keeps blue; a new one gets green
        assert match.revision == "450000000000" and match.spec("GameBalance")["weapons"]["rifle"]["damage"] == BLUE
        assert sample(blue[0], "hotswap_agent_pinned_sessions") == 1
        with blue[0].session() as new_match:
            assert new_match.revision == "480000000000"
    assert sample(blue[0], "hotswap_agent_pinned_sessions") == 0


def test_a_server_that_did_not_hold_green_fetches_and_is_late(ring_repo: RingRepo, promoter: Promoter) -> None:
    late, in_time = agent(ring_repo, "na-west-001"), agent(ring_repo, "na-west-002")
    poll_all([late, in_time])  # blue; neither polls while green alone is out
    promoter.release_green()
    at = time.time() + 0.6
    promoter.switch(at)
    in_time.poll_once()  # fetched and validated before the instant: it still waits for it
    assert damage(in_time) == BLUE and fetches(in_time) == 2
    wait_for(lambda: time.time() > at + 0.2, 5)
    assert damage(in_time) == NEW and sample(in_time, "hotswap_agent_switch_late_total") == 0
    assert late.poll_once() and damage(late) == NEW  # after the instant: at once
    assert fetches(late) == 2 and sample(late, "hotswap_agent_switch_late_total") == 1
    offset = sample(late, "hotswap_agent_last_switch_offset_seconds")
    assert offset is not None and offset >= 0.2


def test_switch_back_returns_every_server_to_blue_at_an_instant(fleet: list[Agent], promoter: Promoter) -> None:
    at = time.time() + 0.5
    promoter.switch(at)
    poll_all(fleet)
    wait_for(lambda: all(damage(a) == NEW for a in fleet), 5)
    before = [fetches(a) for a in fleet]
    back_at = time.time() + 0.8
    promoter.switch_back(back_at)
    poll_all(fleet)  # blue is still held by every server, the green one too
    assert [damage(a) for a in fleet] == [NEW] * 4
    wait_for(lambda: time.time() > back_at + 0.2, 5)
    assert [damage(a) for a in fleet] == [BLUE] * 4 and [fetches(a) for a in fleet] == before
    for a in fleet:
        offset = sample(a, "hotswap_agent_last_switch_offset_seconds")
        assert offset is not None and 0 <= offset < 0.25, (a.server_id, offset)
        assert sample(a, "hotswap_agent_switch_late_total") == 0
        assert a.snapshot is not None and a.snapshot.revision == "450000000000"


def test_an_instant_too_far_ahead_is_ignored_and_swapped_as_usual(fleet: list[Agent], promoter: Promoter) -> None:
    promoter.switch(time.time() + 3600)
    poll_all(fleet)
    assert [damage(a) for a in fleet] == [NEW] * 4
    assert sample(fleet[0], "hotswap_agent_switches_total") == 0


def test_a_held_tree_under_a_commit_that_names_no_release_keeps_its_revision(
    fleet: list[Agent], promoter: Promoter
) -> None:
    bare = promoter._commit(promoter.green, f"switch\n\nHotswap-Stage: {REGION}/switch\n")
    promoter._push({ring_ref(p): bare for p in RINGS})
    poll_all(fleet)
    assert {a.snapshot.revision for a in fleet if a.snapshot} == {"480000000000"}  # the label cohorts read


def test_a_newer_commit_replaces_a_switch_not_made_yet(fleet: list[Agent], promoter: Promoter) -> None:
    at = time.time() + 0.5
    promoter.switch(at)
    poll_all(fleet)
    promoter.switch_back(time.time() + 60)  # the switch is called off before its instant
    poll_all(fleet)
    wait_for(lambda: time.time() > at + 0.2, 5)
    assert [damage(a) for a in fleet[:3]] == [BLUE] * 3


def test_sidecars_of_both_pools_switch_their_folder_at_the_instant(
    ring_repo: RingRepo, promoter: Promoter, tmp_path: Path
) -> None:
    promoter.release_green()
    for name in ("green", "blue"):
        (tmp_path / name).mkdir()
    green = Sidecar(ring_repo.remote, tmp_path / "green" / "config", "--pool", "green")
    blue = Sidecar(ring_repo.remote, tmp_path / "blue" / "config")
    try:
        held = 'hotswap_agent_prefetched_info{config_revision="480000000000",game="g"'
        wait_for(lambda: green.serves(NEW) and blue.serves(BLUE) and held in blue.metrics())
        at = time.time() + 2.0
        switch = promoter.switch(at)
        wait_for((versions_dir(blue.out) / switch).is_dir, 10)  # written ahead: the swap is the link
        assert time.time() < at and blue.serves(BLUE)
        wait_for(lambda: blue.serves(NEW), 10)
        seen = time.time()
        assert at <= seen < at + 0.5
        assert blue.revisions() == ["480000000000"]  # published, then swapped: the metric follows the folder
        lines = blue.metrics().splitlines()
        offset = next(float(line.split()[-1]) for line in lines if line.startswith("hotswap_agent_last_switch_offset"))
        assert 0 <= offset < 0.25
        assert any(line.startswith("hotswap_agent_switch_late_total{") and line.endswith(" 0.0") for line in lines), [
            line for line in lines if "late" in line
        ]
    finally:
        green.stop()
        blue.stop()


def test_a_simulated_fleet_runs_green_servers_among_blue_ones(ring_repo: RingRepo, promoter: Promoter) -> None:
    promoter.release_green()
    fleet = Fleet(str(ring_repo.remote), "g", [REGION], servers_per_region=4, green_servers=1)
    fleet.poll()
    assert [damage(s.agent) for s in fleet.servers] == [NEW, BLUE, BLUE, BLUE]
    held = [sample(s.agent, "hotswap_agent_prefetched_info", config_revision="480000000000") for s in fleet.servers]
    assert held == [None, 1, 1, 1]


def remove_blobs(remote: Path, green: str, blue: str) -> list[Path]:
    """Deletes the loose objects of the blobs green has and blue has not (the push left them loose)."""

    def blobs(commit: str) -> set[str]:
        listing = git(remote, "ls-tree", "-r", commit)
        return {line.split()[2] for line in listing.splitlines()}

    removed = []
    for blob in blobs(green) - blobs(blue):
        path = remote / "objects" / blob[:2] / blob[2:]
        path.unlink()
        removed.append(path)
    return removed


def test_over_the_git_protocol_a_switch_fetches_the_commit_alone(
    ring_repo: RingRepo, promoter: Promoter, tmp_path: Path
) -> None:
    remote = GitRemote(str(ring_repo.remote), tmp_path / "cache", in_place=False)
    server = Agent("g", REGION, "na-west-001", remote, registry=CollectorRegistry())
    server.poll_once()
    promoter.release_green()
    server.poll_once()
    assert sample(server, "hotswap_agent_prefetched_info", config_revision="480000000000") == 1
    at = time.time() + 1.0
    promoter.switch(at)
    assert remove_blobs(ring_repo.remote, promoter.green, promoter.blue)  # only the commit can be sent
    before = fetches(server)
    assert not server.poll_once()  # scheduled
    wait_for(lambda: damage(server) == NEW, 5)
    assert fetches(server) == before and sample(server, "hotswap_agent_switch_late_total") == 0
