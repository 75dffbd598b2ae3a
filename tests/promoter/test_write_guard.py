"""Every tree a push writes is validated before the push: real git, bare remotes, the real promoter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contract.instants import format_instant
from contract.refs import LEDGER_REF, MAIN_REF, ring_ref
from pipeline.deployed import tree_files, validate_deployed
from pipeline.documents import SourceFile
from pipeline.schemas import SchemaSet
from pipeline.validate import ValidationResult, validate
from promoter import write_guard
from promoter.event_trees import replace_files
from promoter.gitio import RefUpdate, Remote
from promoter.write_guard import InvalidWrite
from tests.conftest import RunCli, git
from tests.promoter.fixtures import BALANCE, Fleet, GameRepo, bootstrap, drive, make_game_repo, pushes, slip_under

RINGS = [(r, p) for r in ("NA-WEST", "EU-WEST") for p in (10, 50, 100)]
EVENT = """apiVersion: hotswap/v1
kind: LiveEvent
metadata: {{name: festival, game: {game}, version: 1.0.0}}
spec:
  displayName: Festival
  start: "{start}"
  end: {end}
  regions: [NA-WEST]
"""
# Two weapons: a later AntiCheat file on main may reference the sniper this release brings.
TWO_WEAPONS = BALANCE.replace(
    "  weapons:\n", "  weapons:\n    sniper: {{damage: 90, fireRate: 40, reloadTime: 3, range: 400, magazine: 5}}\n"
)
ANTICHEAT = """apiVersion: hotswap/v1
kind: AntiCheat
metadata: {{name: anti-cheat, game: {game}, version: 1.0.0}}
spec:
  detections:
    aimbot: {{enabled: true, threshold: 0.92, window: PT10M, action: ban}}
  weaponLimits:
    sniper: {{maxDamagePerSecond: 300, maxHeadshotRatio: 0.8}}
  banPolicies:
    - {{offense: 1, action: warn}}
"""


def push_file(repo: GameRepo, path: str, text: str, message: str) -> str:
    """A person's commit on main, pushed with plain git (no promoter, no guard)."""
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    (repo.work / path).write_text(text)
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", message)
    git(repo.work, "push", "-q", str(repo.remote), "main")
    return git(repo.work, "rev-parse", "HEAD")


def counting() -> tuple[list[int], write_guard.Validator]:
    calls: list[int] = []

    def validator(sources: Sequence[SourceFile], schemas: SchemaSet) -> ValidationResult:
        calls.append(len(sources))
        return validate(sources, schemas)

    return calls, validator


def test_a_ring_push_whose_tree_the_agents_refuse_is_refused_and_no_ref_moves(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    now = datetime.now(UTC)
    start, end = format_instant(now - timedelta(hours=1)), format_instant(now + timedelta(days=1))
    push_file(repo, f"configs/{game_name}/event.yaml", EVENT.format(game=game_name, start=start, end=end), "festival")
    bootstrap(tmp_path, repo, fleet.url)
    remote = Remote(repo.url, tmp_path / "writer")
    remote.fetch()
    before, pushed_before = repo.refs(), pushes(repo)
    # The kill switch's corruption of an anchored `end` (`end: &fin <instant>` became this), written
    # through the writer a stop uses: the ring's own tree with the event file replaced.
    broken = EVENT.format(game=game_name, start=start, end=f"{format_instant(now)}&fin {end}").encode()
    updates = []
    for region, percent in RINGS:
        ref = ring_ref(game_name, region, percent)
        tip = remote.commit(before[ref])
        tree = replace_files(remote.repo, tip.tree, {"event.yaml": broken})
        updates.append(RefUpdate(ref, remote._commit(tree, [str(tip.id)], "stop festival", now), str(tip.id)))
    # What the agent decides about that tree (the function it applies to what it fetches): refused.
    assert updates[0].new is not None
    files, problems = tree_files(remote.repo, remote.commit(updates[0].new).tree)
    assert not validate_deployed(game_name, files, problems).ok

    with pytest.raises(InvalidWrite) as refused:
        remote.push(updates)
    message = str(refused.value)
    assert "\n" not in message and f"configs/{game_name}/event.yaml:" in message and "[" in message, message
    finding = refused.value.findings[updates[0].ref][0]
    assert finding.file == f"configs/{game_name}/event.yaml" and finding.line >= 1 and finding.rule
    assert repo.refs() == before and pushes(repo) == pushed_before  # nothing reached the remote


def test_an_invalid_main_revert_is_reported_and_the_ring_rollback_lands(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    reconciler = bootstrap(tmp_path, repo, fleet.url)
    ring10 = ring_ref(game_name, "NA-WEST", 10)
    first_tree = git(repo.remote, "rev-parse", f"{ring10}^{{tree}}")
    release = push_file(
        repo, f"configs/{game_name}/balance.yaml", TWO_WEAPONS.format(game=game_name, damage=45), "add the sniper"
    )
    fleet.expose(game_name, release)
    drive(lambda: reconciler.run_once([game_name]), lambda: repo.trailers(ring10).get("Hotswap-Release") == release)
    # A later commit on main relies on the release: reverting the release alone would leave a dangling reference.
    later = push_file(repo, f"configs/{game_name}/anticheat.yaml", ANTICHEAT.format(game=game_name), "limit the sniper")

    cli = ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, err = run_cli([*cli, "--reason", "too strong", "--release", release[:12]])
    assert code == 0, (out, err)
    assert "main revert" in out and "fails validation" in out, out
    assert repo.trailers(ring10)["Hotswap-Rollback-Of"] == release  # the rings' rollback stands
    assert git(repo.remote, "rev-parse", f"{ring10}^{{tree}}") == first_tree
    assert repo.refs()[MAIN_REF] == later  # main keeps the later commit, no invalid revert on it
    events = repo.events(release)
    assert [e["type"] for e in events][-2:] == ["rollback", "main-revert"]
    assert events[-1]["outcome"] == "invalid" and "anticheat.yaml" in events[-1]["reason"], events[-1]


def test_a_tree_is_validated_once_and_a_release_read_costs_its_ring_write_nothing(
    tmp_path: Path, game_name: str
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    main = remote.commit(remote.ref(MAIN_REF) or "")
    game_tree = str(main.tree[f"configs/{game_name}"].id)
    ring = RefUpdate(
        ring_ref(game_name, "NA-WEST", 10), remote._commit(game_tree, [], "deploy", datetime.now(UTC)), None
    )

    write_guard.forget()
    calls, validator = counting()
    assert write_guard.findings(remote.repo, [ring], remote.schemas_for, validator) == {}
    assert write_guard.findings(remote.repo, [ring, ring], remote.schemas_for, validator) == {}
    assert len(calls) == 1  # three checks of one tree, one validation

    # Read as a release first (the promoter's snapshot), the same tree costs the ring write nothing.
    write_guard.forget()
    snap = remote.snapshot(game_name)
    assert snap.candidate is not None and snap.releases[snap.candidate.commit].policy is not None
    calls, validator = counting()
    assert write_guard.findings(remote.repo, [ring], remote.schemas_for, validator) == {}
    assert calls == []


def test_a_rollback_that_would_push_an_invalid_tree_is_one_line_and_exit_1(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    reconciler = bootstrap(tmp_path, repo, fleet.url)
    first = git(repo.remote, "rev-parse", "main")
    ring10 = ring_ref(game_name, "NA-WEST", 10)
    release = repo.commit(damage=47, message="release")
    fleet.expose(game_name, release)
    drive(lambda: reconciler.run_once([game_name]), lambda: repo.trailers(ring10).get("Hotswap-Release") == release)
    # Beneath the release, a ring commit written by hand (or by an older version) with a tree the
    # agents refuse: the tree a rollback of the release goes back to.
    slip_under(repo, ring10, {"balance.yaml": BALANCE.format(game=game_name, damage='"lots"')}, first)

    before = repo.refs()
    cli = ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, err = run_cli([*cli, "--reason", "bad", "--release", release[:12]])
    assert code == 1 and out == "" and err.count("\n") == 1, (code, out, err)
    assert f"refused to push {ring10}: configs/{game_name}/balance.yaml:" in err and "Traceback" not in err, err
    assert repo.refs() == before


def test_a_main_bound_commit_is_refused_only_for_the_errors_it_brings(tmp_path: Path, game_name: str) -> None:
    repo = make_game_repo(tmp_path, game_name)
    # main already holds an error (a rejected release): later writes to main are not blamed for it.
    push_file(repo, f"configs/{game_name}/anticheat.yaml", ANTICHEAT.format(game=game_name), "limit a sniper")
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    main = remote.commit(remote.ref(MAIN_REF) or "")
    now = datetime.now(UTC)

    def on_main(path: str, text: str) -> RefUpdate:
        tree = replace_files(remote.repo, main.tree, {f"configs/{game_name}/{path}": text.encode()})
        return RefUpdate(MAIN_REF, remote._commit(tree, [str(main.id)], "edit", now), str(main.id))

    fine = on_main("balance.yaml", BALANCE.format(game=game_name, damage=50))
    assert write_guard.findings(remote.repo, [fine], remote.schemas_for) == {}
    worse = on_main("balance.yaml", BALANCE.format(game=game_name, damage='"lots"'))
    (found,) = write_guard.findings(remote.repo, [worse], remote.schemas_for).values()
    assert [f.file for f in found] == [f"configs/{game_name}/balance.yaml"]
    # The same commit on a branch that becomes main is judged the same way; the ledger never is.
    branch = RefUpdate("refs/heads/hotswap/config/x", worse.new, None)
    ledger = RefUpdate(LEDGER_REF, worse.new, None)
    assert list(write_guard.findings(remote.repo, [branch, ledger], remote.schemas_for)) == [branch.ref]
