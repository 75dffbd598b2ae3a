"""The kill switch on event files it cannot edit safely, and event files main holds that nobody can
read: refused or shown with file, line and field, never a corrupt push, a crash or a blocked game."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contract.instants import format_instant
from pipeline.yamlstrict import parse_file
from promoter.event_stop import stop_event
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from tests.conftest import RunCli, git
from tests.promoter.fixtures import BALANCE, POLICY, Fleet, GameRepo, make_game_repo

EVENT = """apiVersion: hotswap/v1
kind: LiveEvent
metadata: {{name: festival, game: {game}, version: 1.0.0}}
spec:
{times}
  regions: [NA-WEST, EU-WEST]
"""


def event(game: str, times: str) -> str:
    return EVENT.format(game=game, times=times)


def plain(start: datetime, end: datetime) -> str:
    return f"  displayName: Festival\n  start: {format_instant(start)}\n  end: {format_instant(end)}"


def shared_anchor(start: datetime, end: datetime) -> str:
    """Valid, but the end's value is the display name's too: no edit of it changes the end alone."""
    return f"  displayName: &d {format_instant(end)}\n  start: {format_instant(start)}\n  ? end\n  : *d"


def push(repo: GameRepo, files: dict[str, str], message: str) -> str:
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    for path, text in files.items():
        (repo.work / path).parent.mkdir(parents=True, exist_ok=True)
        (repo.work / path).write_text(text)
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", message)
    git(repo.work, "push", "-q", str(repo.remote), "main")
    return git(repo.work, "rev-parse", "HEAD")


def ring_file(repo: GameRepo, game: str, path: str) -> str:
    return git(repo.remote, "show", f"refs/heads/deploy/{game}/NA-WEST/ring-10:{path}")


def test_a_stop_that_cannot_be_edited_safely_is_refused_and_nothing_moves(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    now = datetime.now(UTC)
    text = event(game_name, shared_anchor(now - timedelta(hours=1), now + timedelta(days=1)))
    fleet.expose(game_name, push(repo, {f"configs/{game_name}/event.yaml": text}, "festival"))
    Reconciler(Remote(repo.url, tmp_path / "cache"), PrometheusSource(fleet.url, timeout=5)).run_once([game_name])
    assert "? end" in ring_file(repo, game_name, "event.yaml")  # live on every ring
    before = repo.refs()
    cli = ["event", "stop", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, err = run_cli([*cli, "--event", "festival", "--reason", "exploit"])
    assert code == 1, (out, err)
    assert f"configs/{game_name}/event.yaml:7: spec.end: " in err and err.count("\n") == 1, err
    assert "Traceback" not in err and repo.refs() == before


def test_one_games_stop_that_cannot_be_applied_is_its_error_and_the_other_game_is_promoted(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    g1, g2 = game_name, f"{game_name}-b"
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(days=1)
    first = push(
        repo,
        {
            f"configs/{g1}/event.yaml": event(g1, plain(start, end)),
            f"configs/{g2}/rollout-policy.yaml": POLICY.format(game=g2, approval=""),
            f"configs/{g2}/balance.yaml": BALANCE.format(game=g2, damage=45),
        },
        "festival and a second game",
    )
    for game in (g1, g2):
        fleet.expose(game, first)
    remote = Remote(repo.url, tmp_path / "cache")
    reconciler = Reconciler(remote, PrometheusSource(fleet.url, timeout=5))
    assert all(o.wrote for o in reconciler.run_once())  # both bootstrapped
    # g1 stops the event by pull request (main is protected): the rings and the ledger move, main not
    stopper = Remote(repo.url, tmp_path / "stop")
    stopper.fetch()
    stop = stop_event(stopper, g1, "festival", "exploit", "ops", pull_request=True)
    assert stop.changed and stop.record.pull is not None
    # a later main commit rewrites g1's event file in a form the stop cannot be written into, and changes g2
    release = push(
        repo,
        {
            f"configs/{g1}/event.yaml": event(g1, shared_anchor(start, end)),
            f"configs/{g2}/balance.yaml": BALANCE.format(game=g2, damage=46),
        },
        "festival rewritten; g2 rifle +1",
    )
    for game in (g1, g2):
        fleet.expose(game, release)
    g1_rings = {r: s for r, s in repo.refs().items() if f"/deploy/{g1}/" in r}

    outcomes = {o.game: o for o in reconciler.run_once()}
    assert outcomes[g2].wrote and outcomes[g2].error is None, outcomes[g2]
    assert "damage: 46" in ring_file(repo, g2, "balance.yaml")
    assert outcomes[g1].error is not None and not outcomes[g1].wrote
    assert f"configs/{g1}/event.yaml:7: spec.end: " in (outcomes[g1].error or ""), outcomes[g1]
    assert {r: s for r, s in repo.refs().items() if f"/deploy/{g1}/" in r} == g1_rings  # never restarted

    # written the way the stop can edit (an explicit `? end` key): the release goes out, stopped
    push(repo, {f"configs/{g1}/event.yaml": event(g1, plain(start, end).replace("  end:", "  ? end\n  :"))}, "fix")
    outcomes = {o.game: o for o in reconciler.run_once([g1])}
    assert outcomes[g1].wrote and outcomes[g1].error is None, outcomes[g1]
    served = parse_file("event.yaml", ring_file(repo, g1, "event.yaml")).value["spec"]
    assert served["end"] == format_instant(stop.record.stopped_at)


def test_a_rejected_event_on_main_is_a_finding_in_event_list_stop_and_plan(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    Reconciler(Remote(repo.url, tmp_path / "cache"), PrometheusSource(fleet.url, timeout=5)).run_once([game_name])
    now = datetime.now(UTC)
    bad = event(game_name, plain(now, now + timedelta(days=1))) + "  windows: [NA-WEST]\n"
    push(repo, {f"configs/{game_name}/event.yaml": bad}, "festival, windows mistyped")
    where = f"configs/{game_name}/event.yaml"

    listing = ["event", "list", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, err = run_cli(listing)
    assert code == 1 and f"{where}: live event festival cannot be read: spec.windows[0]" in out, (out, err)
    code, out, err = run_cli([*listing, "--format", "json"])
    (problem,) = json.loads(out)["games"][0]["problems"]
    assert code == 1 and problem["file"] == where and problem["event"] == "festival", err

    stop = ["event", "stop", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    before = repo.refs()
    code, out, err = run_cli([*stop, "--event", "festival", "--reason", "exploit"])
    assert code == 1 and f"{where}: live event festival cannot be read" in err and err.count("\n") == 1, err
    assert repo.refs() == before

    code, out, err = run_cli(["plan", "--repo", str(repo.work), "--game", game_name])
    assert code == 1 and f"invalid file(s), the release would be rejected: {where}" in out, (out, err)
    assert "Traceback" not in err
