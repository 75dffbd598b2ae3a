"""One game's problem is that game's alone: a pass survives whatever one game raises, an invalid ref
name, a config git holds that a loader cannot read, and a protected main."""

from __future__ import annotations

import json
from pathlib import Path

from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import MAIN_REVERT_REFUSED, Reconciler
from tests.conftest import RunCli, git
from tests.promoter.fixtures import (
    BALANCE,
    HUGE,
    POLICY,
    Fleet,
    GameRepo,
    bootstrapped,
    carries,
    drive,
    make_game_repo,
    ring,
    types,
)


def add_game(repo: GameRepo, game: str, policy: str) -> str:
    """A second game in the same remote, pushed to main."""
    folder = repo.work / "configs" / game
    folder.mkdir(parents=True)
    (folder / "rollout-policy.yaml").write_text(policy)
    (folder / "balance.yaml").write_text(BALANCE.format(game=game, damage=45))
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", f"add {game}")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    return git(repo.work, "rev-parse", "HEAD")


def reconciler_for(repo: GameRepo, fleet: Fleet, cache: Path) -> Reconciler:
    return Reconciler(Remote(repo.url, cache), PrometheusSource(fleet.url, timeout=5))


def test_a_region_git_refuses_in_a_ref_is_that_games_error_and_the_other_game_moves(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    # The repository's own schema allows any region name; git does not allow `..` in a ref.
    schema = repo.work / "schemas/RolloutPolicy.schema.json"
    schema.write_text(schema.read_text().replace('"^[A-Z][A-Z0-9-]{1,31}$"', '"^.+$"'))
    other = f"{game_name}-b"
    add_game(repo, other, POLICY.format(game=other, approval="").replace("NA-WEST", "NA..WEST"))
    fleet.expose(game_name, git(repo.work, "rev-parse", "HEAD"))
    reconciler = reconciler_for(repo, fleet, tmp_path / "cache")

    outcomes = {o.game: o for o in reconciler.run_once()}
    assert outcomes[game_name].summary.startswith("bootstrap") and outcomes[game_name].wrote
    assert outcomes[other].error is not None and outcomes[other].kind == "decision"
    assert f"'refs/heads/deploy/{other}/NA..WEST/ring-10'" in (outcomes[other].error or "")
    assert not [r for r in repo.refs() if f"/deploy/{other}/" in r]

    # and the next release of the good game rolls out while the other keeps saying why it cannot
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    seen: list[str | None] = []

    def step() -> None:
        outcomes = {o.game: o for o in reconciler.run_once()}
        seen.append(outcomes[other].error)

    drive(step, lambda: carries(repo, release, [("NA-WEST", 10)]))
    assert all(error and "NA..WEST" in error for error in seen)


def test_a_game_whose_ledger_cannot_be_read_is_an_internal_error_and_the_other_game_moves(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    other = f"{game_name}-b"
    add_game(repo, other, POLICY.format(game=other, approval=""))
    # someone pushed a broken file into the other game's ledger folder
    scratch = tmp_path / "ledger-work"
    git(tmp_path, "clone", "-q", "-b", "hotswap/ledger", str(repo.remote), str(scratch))
    (scratch / "rollouts" / other).mkdir(parents=True)
    (scratch / "rollouts" / other / "x.json").write_text('{"release": ' + HUGE + "}")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "broken")
    git(scratch, "push", "-q", "origin", "hotswap/ledger")

    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    outcomes = {o.game: o for o in reconciler.run_once()}
    assert outcomes[other].kind == "internal" and "ValueError" in (outcomes[other].error or "")
    drive(reconciler.run_once, lambda: carries(repo, release, [("NA-WEST", 10)]))


def test_an_integer_of_5000_digits_on_main_is_a_rejected_release_never_a_crash(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    deploys = {k: v for k, v in repo.refs().items() if "/deploy/" in k}
    huge = repo.commit(files={f"configs/{game_name}/balance.yaml": BALANCE.format(game=game_name, damage=HUGE)})
    (outcome,) = reconciler.run_once([game_name])
    assert outcome.error is None and "rejected" in outcome.summary
    (event,) = repo.events(huge)
    assert event["type"] == "reject" and "[number-too-large]" in event["reason"] and ":6:" in event["reason"]
    assert {k: v for k, v in repo.refs().items() if "/deploy/" in k} == deploys
    # the CLI reads it too: status and a rollback with nothing to roll back answer in one line
    code, out, err = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c2")])
    assert code == 0 and game_name in out, err
    code, _, err = run_cli(
        ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game_name, "--reason", "x"]
    )
    assert code in (0, 1) and "Traceback" not in err and "internal error" not in err


PROTECT_MAIN = """#!/bin/sh
while read old new ref; do
  if [ "$ref" = refs/heads/main ]; then echo "main is protected: open a pull request" >&2; exit 1; fi
done
exit 0
"""


def test_a_protected_main_makes_the_revert_refused_once_recorded_and_never_retried(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    bad = repo.commit(damage=400, message="rifle one-shots everyone")
    fleet.expose(game_name, bad)
    drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, bad, [("NA-WEST", 10)]))
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text(PROTECT_MAIN)
    hook.chmod(0o755)
    main = repo.refs()["refs/heads/main"]
    fleet.expose(game_name, bad, errors=3.0)
    drive(lambda: reconciler.run_once([game_name]), lambda: "main-revert" in types(repo, bad))

    assert repo.trailers(ring(game_name, "NA-WEST", 10))["Hotswap-Rollback-Of"] == bad
    revert = repo.events(bad)[-1]
    assert revert["outcome"] == "refused" and revert["reason"].startswith(MAIN_REVERT_REFUSED)
    assert "main is protected" in revert["reason"]
    assert repo.refs()["refs/heads/main"] == main
    # later passes (and a fresh daemon, `reconcile --once` from a new cache) neither retry nor fail
    for _ in range(2):
        (outcome,) = reconciler.run_once([game_name])
        assert outcome.error is None
    code, out, _ = run_cli(
        ["reconcile", "--once", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--prometheus", fleet.url]
    )
    assert code == 0, out
    assert types(repo, bad).count("main-revert") == 1
    ledger = json.loads(git(repo.remote, "show", f"refs/heads/hotswap/ledger:rollouts/{game_name}/{bad}.json"))
    assert ledger["events"][-1]["outcome"] == "refused"
