from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from promoter.gitio import Remote, redact
from tests.conftest import RunCli, git
from tests.promoter.fixtures import Fleet, bootstrapped, carries, drive, make_game_repo


def test_status_shows_where_the_rollout_stands(tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli) -> None:
    repo, reconciler, first = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, release, [("NA-WEST", 50)]))

    code, out, _ = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--format", "json"])
    assert code == 0
    status = json.loads(out)
    assert status["version"] == 1
    (game,) = [g for g in status["games"] if g["game"] == game_name]
    rollout = game["rollout"]
    assert rollout["release"] == release and (rollout["region"], rollout["step"]) == ("NA-WEST", 50)
    assert (rollout["stepsDone"], rollout["stepsTotal"]) == (2, 4)
    assert rollout["nextEvaluationSeconds"] is not None and rollout["nextEvaluationSeconds"] <= 1
    assert [c["name"] for c in rollout["lastChecks"]] == ["errors", "latency"]
    na_west = next(r for r in game["regions"] if r["name"] == "NA-WEST")
    assert {p: ring["release"] for p, ring in na_west["rings"].items()} == {
        "10": release[:12],
        "50": release[:12],
        "100": first[:12],
    }

    code, out, _ = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game_name])
    assert code == 0
    assert f"rollout {game_name}-{release[:12]} at NA-WEST/50% (in-progress)" in out
    assert "██████████░░░░░░░░░░ 2/4 steps" in out
    assert "errors: pass" in out


def test_status_of_an_unknown_game_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    repo = make_game_repo(tmp_path, "lonely")
    code, _, err = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c"), "--game", "nope"])
    assert code == 2 and "unknown game 'nope'" in err


def test_a_conflicting_revert_on_main_is_reported_not_forced(tmp_path: Path) -> None:
    repo = make_game_repo(tmp_path, "conflicts")
    bad = repo.commit(damage=48, message="bad buff")
    repo.commit(damage=49, message="later edit of the same line")
    main_before = git(repo.remote, "rev-parse", "main")
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    outcome, detail = remote.revert_main(bad, "critical churn", datetime.now(UTC))
    assert outcome == "conflict" and "configs/conflicts/balance.yaml" in detail
    assert git(repo.remote, "rev-parse", "main") == main_before


def test_a_clean_revert_on_main_carries_the_trailers(tmp_path: Path) -> None:
    repo = make_game_repo(tmp_path, "reverts")
    bad = repo.commit(damage=48, message="bad buff")
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    outcome, new = remote.revert_main(bad, "critical churn", datetime.now(UTC))
    assert outcome == "done" and git(repo.remote, "rev-parse", "main") == new
    assert "Hotswap-Rollback-Of: " + bad in git(repo.remote, "log", "-1", "--format=%B", "main")
    assert git(repo.remote, "rev-parse", "main:configs/reverts") == git(
        repo.remote, "rev-parse", f"{bad}~1:configs/reverts"
    )


def test_a_second_revert_of_a_release_main_has_reverted_adds_nothing(tmp_path: Path) -> None:
    # A pass whose ledger note of the revert was lost reverts again: main gets no empty commit, and
    # neither does a revert branch.
    repo = make_game_repo(tmp_path, "twice")
    bad = repo.commit(damage=48, message="bad buff")
    remote = Remote(repo.url, tmp_path / "cache")
    remote.fetch()
    outcome, first = remote.revert_main(bad, "critical churn", datetime.now(UTC))
    assert outcome == "done"
    assert remote.revert_main(bad, "critical churn", datetime.now(UTC)) == ("done", first)
    assert remote.propose_revert(bad, "critical churn", datetime.now(UTC)) == ("done", first)
    assert git(repo.remote, "rev-parse", "main") == first
    assert "hotswap/revert-" not in git(repo.remote, "for-each-ref", "--format=%(refname)")


def test_credentials_in_remote_urls_are_never_printed() -> None:
    assert redact("git fetch https://user:s3cret@git.example.com/studio/configs.git: denied") == (
        "git fetch https://***@git.example.com/studio/configs.git: denied"
    )


def test_an_unreachable_remote_is_an_environment_error(tmp_path: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli(["status", "--remote", str(tmp_path / "missing.git"), "--cache", str(tmp_path / "c")])
    assert code == 2 and out == "" and "Traceback" not in err and "git fetch" in err
