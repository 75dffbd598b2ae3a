"""Rollback acts on exactly what was named, never leaves a ring on a quarantined release, and
`--dry-run` moves nothing: against a real bare remote and the real Prometheus."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, git
from tests.promoter.fixtures import RINGS, Fleet, bootstrapped, carries, drive, ring, types


def test_undoing_a_completed_release_after_a_canary_rollback_leaves_no_ring_on_a_quarantined_release(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, reconciler, first = bootstrapped(tmp_path, fleet, game_name)
    a = repo.commit(damage=46, message="release A")
    fleet.expose(game_name, a)
    drive(lambda: reconciler.run_once([game_name]), lambda: f"refs/tags/release/{game_name}/{a[:12]}" in repo.refs())
    b = repo.commit(damage=47, message="release B")
    fleet.expose(game_name, b)
    drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, b, [("NA-WEST", 10)]))
    fleet.expose(game_name, b, errors=3.0)
    drive(lambda: reconciler.run_once([game_name]), lambda: "rollback" in types(repo, b))
    assert repo.trailers(ring(game_name, "NA-WEST", 10))["Hotswap-Rollback-Of"] == b  # back to A by a revert

    cli = ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game_name]
    # Nothing in flight: a plain rollback refuses, naming the completed release, and moves nothing.
    refs = repo.refs()
    code, _, err = run_cli([*cli, "--reason", "players hate it"])
    assert code == 1 and "--release" in err and a[:12] in err
    assert repo.refs() == refs

    code, out, _ = run_cli([*cli, "--reason", "players hate it", "--release", a[:12], "--dry-run"])
    assert code == 0, out
    assert repo.refs() == refs
    for region, percent in RINGS:
        assert ring(game_name, region, percent) in out
    assert "refs/heads/hotswap/ledger" in out and "refs/heads/main" in out

    code, out, _ = run_cli([*cli, "--reason", "players hate it", "--release", a[:12], "--by", "dana"])
    assert code == 0, out
    first_tree = git(repo.remote, "rev-parse", f"{first}:configs/{game_name}")
    for region, percent in RINGS:
        trailers = repo.trailers(ring(game_name, region, percent))
        assert trailers["Hotswap-Release"] == first and trailers["Hotswap-Rollback-Of"] == a, (region, percent)
        assert git(repo.remote, "rev-parse", f"{ring(game_name, region, percent)}^{{tree}}") == first_tree
    assert [e["type"] for e in repo.events(a)][-2:] == ["rollback", "main-revert"]

    # Asked again: the earlier result, nothing written.
    refs = repo.refs()
    code, out, _ = run_cli([*cli, "--reason", "again", "--release", a[:12]])
    assert code == 0 and "already rolled back" in out
    assert repo.refs() == refs
