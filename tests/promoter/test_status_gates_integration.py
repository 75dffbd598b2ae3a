"""`hotswap status` on a real remote shows a freeze merged on main that holds the release in flight:
it asks the one gate rule decide applies (promoter.gates.held)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contract.instants import format_instant
from tests.conftest import RunCli, git
from tests.promoter.fixtures import POLICY, Fleet, bootstrap, drive, make_game_repo

UNTIL = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
FREEZE = (
    "  freeze:\n"
    f"    - {{start: {format_instant(UNTIL - timedelta(hours=4))}, end: {format_instant(UNTIL)}, reason: patch day}}\n"
)


def _ring10(repo_remote: Path, game: str) -> str:
    ref = f"refs/heads/deploy/{game}/NA-WEST/ring-10"
    return git(repo_remote, "log", "-1", "--format=%(trailers:key=Hotswap-Release,valueonly)", ref).strip()


def test_status_shows_a_freeze_merged_on_main_that_holds_the_release_in_flight(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    fleet.expose(game_name, git(repo.work, "rev-parse", "HEAD"))
    reconciler = bootstrap(tmp_path, repo, fleet.url)
    release = repo.commit(damage=47, message="buff")
    fleet.expose(game_name, release)
    (outcome,) = reconciler.run_once([game_name])
    assert _ring10(repo.remote, game_name) == release, outcome
    repo.commit(
        files={f"configs/{game_name}/rollout-policy.yaml": POLICY.format(game=game_name, approval="") + FREEZE},
        message="freeze",
    )

    frozen = f"frozen until {format_instant(UNTIL)}: patch day"
    drive(lambda: reconciler.run_once([game_name]), lambda: "evaluate" in [e["type"] for e in repo.events(release)])
    (outcome,) = reconciler.run_once([game_name])
    assert outcome.summary.startswith(frozen), outcome
    code, out, err = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--format", "json"])
    assert code == 0, out + err
    (status,) = [g for g in json.loads(out)["games"] if g["game"] == game_name]
    assert status["rollout"]["release"] == release
    assert (status["frozenUntil"], status["frozenReason"]) == (format_instant(UNTIL), "patch day")
    code, out, _ = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game_name])
    assert code == 0 and f"frozen until {format_instant(UNTIL)}: patch day" in out, out
