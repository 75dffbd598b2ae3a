"""A ring's tip read off a real git history: a kill switch's commit lands nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pygit2

from contract.instants import format_instant
from promoter.model import StopLayer
from promoter.ring_history import deploy_info

A, B = "a" * 40, "b" * 40
T = 1_790_000_000  # a commit time, in seconds


class Ring:
    """A branch built commit by commit, each with its time and trailers."""

    def __init__(self, path: Path) -> None:
        self.repo = pygit2.init_repository(str(path), bare=True)
        self.tip: pygit2.Commit | None = None

    def commit(self, text: str, at: int, **trailers: str) -> pygit2.Commit:
        builder = self.repo.TreeBuilder()
        builder.insert("event.yaml", self.repo.create_blob(text.encode()), pygit2.GIT_FILEMODE_BLOB)
        tree = builder.write()
        body = "".join(f"{key.replace('_', '-')}: {value}\n" for key, value in trailers.items())
        sig = pygit2.Signature("hotswap", "hotswap@example.com", at, 0)
        parents = [self.tip.id] if self.tip is not None else []
        oid = self.repo.create_commit(None, sig, sig, f"ring commit\n\n{body}", tree, parents)
        self.tip = self.repo[oid].peel(pygit2.Commit)
        return self.tip


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_stops_over_a_deploy_keep_its_landed_time_and_are_layers_over_its_tree(tmp_path: Path) -> None:
    ring = Ring(tmp_path / "ring.git")
    deployed = ring.commit("end: 1\n", T, Hotswap_Release=A, Hotswap_Stage="NA-WEST/10")
    festival = ring.commit("end: 2\n", T + 60, Hotswap_Release=A, Hotswap_Event_Stop="festival")
    raid = ring.commit("end: 3\n", T + 120, Hotswap_Release=A, Hotswap_Event_Stop="raid")
    info = deploy_info(raid)
    assert info.time == at(T) and info.tree == str(raid.tree_id) and info.release == A
    assert info.stops == (StopLayer("raid", str(festival.tree_id)), StopLayer("festival", str(deployed.tree_id)))

    # B lands over the stopped A, then is stopped too: B's landing time; what came before is A, stopped
    landed = ring.commit("end: 4\n", T + 180, Hotswap_Release=B)
    info = deploy_info(ring.commit("end: 5\n", T + 240, Hotswap_Release=B, Hotswap_Event_Stop="raid"))
    assert info.time == at(T + 180) and info.stops == (StopLayer("raid", str(landed.tree_id)),)
    assert (info.previous_tree, info.previous_release) == (str(raid.tree_id), A)
    assert [layer.event for layer in info.previous_stops] == ["raid", "festival"]


def test_a_commit_that_changes_the_release_lands_it_whatever_its_trailers(tmp_path: Path) -> None:
    ring = Ring(tmp_path / "ring.git")
    ring.commit("end: 1\n", T, Hotswap_Release=A)
    rollback = ring.commit("end: 2\n", T + 60, Hotswap_Release=A, Hotswap_Rollback_Of=B, Hotswap_Event_Stop="x")
    info = deploy_info(rollback)
    assert info.time == at(T + 60) and info.stops == () and info.rollback_of == B


def test_a_stop_after_the_switch_instant_keeps_the_instant_the_servers_flipped(tmp_path: Path) -> None:
    ring = Ring(tmp_path / "ring.git")
    flip = at(T + 30)
    ring.commit("end: 1\n", T, Hotswap_Release=A, Hotswap_Switch_At=format_instant(flip))
    info = deploy_info(ring.commit("end: 2\n", T + 90, Hotswap_Release=A, Hotswap_Event_Stop="festival"))
    assert info.switch_at == flip and info.time == at(T)
