"""The promoter against real parts: bare git remotes and a Prometheus scraping a test exporter."""

from __future__ import annotations

from pathlib import Path

from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from tests.conftest import RunCli, git
from tests.promoter.fixtures import (
    RINGS,
    Fleet,
    approve,
    bootstrapped,
    carries,
    drive,
    make_game_repo,
    pushes,
    ring,
    types,
)


def test_a_good_release_walks_every_ring_and_region_then_is_tagged(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, first = bootstrapped(tmp_path, fleet, game_name)
    assert carries(repo, first, RINGS) and f"refs/tags/release/{game_name}/{first[:12]}" in repo.refs()

    fleet.expose(game_name, git(repo.work, "rev-parse", "HEAD"))
    release = repo.commit(damage=48, message="buff rifle")
    fleet.expose(game_name, release)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())

    assert carries(repo, release, RINGS)
    stage = repo.trailers(ring(game_name, "NA-WEST", 10))
    assert stage == {
        "Hotswap-Release": release,
        "Hotswap-Stage": "NA-WEST/10",
        "Hotswap-Rollout": f"{game_name}-{release[:12]}",
    }
    assert repo.trailers(ring(game_name, "EU-WEST", 10))["Hotswap-Stage"] == "EU-WEST/100"
    events = repo.events(release)
    deploys = [(e["region"], e["step"]) for e in events if e["type"] == "deploy"]
    assert deploys == [("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100), ("EU-WEST", 100)]
    passes = [e for e in events if e["type"] == "evaluate"]
    assert all(e["outcome"] == "pass" for e in passes) and len(passes) == 4
    assert {c["name"] for c in passes[0]["checks"]} == {"errors", "latency"}
    assert passes[0]["checks"][0]["candidate"] == 1.0 and passes[0]["checks"][0]["baseline"] == 1.0
    assert events[-1]["type"] == "complete"
    # ring-10 holds the release exactly once: bootstrap commit, then one deploy commit
    assert git(repo.remote, "rev-list", "--count", ring(game_name, "NA-WEST", 10)) == "2"


def test_a_critical_regression_at_ring_50_reverts_every_ring_that_had_it_in_one_push(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, first = bootstrapped(tmp_path, fleet, game_name)
    bad = repo.commit(damage=400, message="rifle one-shots everyone")
    fleet.expose(game_name, bad)
    drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, bad, [("NA-WEST", 10), ("NA-WEST", 50)]))
    before = len(pushes(repo))
    fleet.expose(game_name, bad, errors=3.0)  # +200% against the baseline
    drive(lambda: reconciler.run_once([game_name]), lambda: "rollback" in types(repo, bad))

    for region, percent in [("NA-WEST", 10), ("NA-WEST", 50)]:
        trailers = repo.trailers(ring(game_name, region, percent))
        assert trailers["Hotswap-Rollback-Of"] == bad and trailers["Hotswap-Release"] == first
        assert "errors" in trailers["Hotswap-Reason"]
        tree = git(repo.remote, "rev-parse", f"{ring(game_name, region, percent)}^{{tree}}")
        assert tree == git(repo.remote, "rev-parse", f"{first}:configs/{game_name}")
    assert repo.trailers(ring(game_name, "NA-WEST", 100))["Hotswap-Release"] == first  # never reached
    rollback_push = next(p for p in pushes(repo)[before:] if ring(game_name, "NA-WEST", 10) in p)
    assert sorted(rollback_push) == sorted(
        [ring(game_name, "NA-WEST", 10), ring(game_name, "NA-WEST", 50), "refs/heads/hotswap/ledger"]
    )
    quarantine = git(repo.remote, "show", f"refs/heads/hotswap/ledger:quarantine/{game_name}/{bad}.json")
    assert '"verdict": "critical"' in quarantine and '"candidate": 3.0' in quarantine
    # main reverted: the game's folder is back to what the rings serve
    assert git(repo.remote, "rev-parse", f"main:configs/{game_name}") == git(
        repo.remote, "rev-parse", f"{first}:configs/{game_name}"
    )
    assert repo.events(bad)[-1] == {**repo.events(bad)[-1], "type": "main-revert", "outcome": "done"}

    # The next commit rolls out cleanly: nothing is stuck.
    good = repo.commit(damage=47, message="small buff instead")
    fleet.expose(game_name, good)
    drive(lambda: reconciler.run_once([game_name]), lambda: f"refs/tags/release/{game_name}/{good[:12]}" in repo.refs())
    assert carries(repo, good, RINGS)


def test_a_warning_pauses_and_approve_resumes(tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release, latency=250.0)
    drive(lambda: reconciler.run_once([game_name]), lambda: "pause" in types(repo, release))
    pause = next(e for e in repo.events(release) if e["type"] == "pause")
    assert pause["outcome"] == "warning" and "latency" in pause["reason"]
    for _ in range(3):  # paused: passes change nothing
        reconciler.run_once([game_name])
    assert not carries(repo, release, [("NA-WEST", 50)])

    code, out = approve(run_cli, repo, tmp_path / "c2", "NA-WEST", by="alice")
    assert code == 0, out
    approval = next(e for e in repo.events(release) if e["type"] == "approve")
    assert approval["by"] == "alice" and approval["step"] == 10
    # Approving the same release again answers with the earlier approval and writes nothing.
    refs = repo.refs()
    argv = ["approve", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game_name]
    code, out, _ = run_cli([*argv, "--region", "NA-WEST", "--release", release[:12], "--by", "bob"])
    assert code == 0 and "already approved NA-WEST by alice" in out, out
    assert repo.refs() == refs
    reconciler.run_once([game_name])
    assert carries(repo, release, [("NA-WEST", 50)])


def test_an_approval_required_region_waits(tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name, approval=True)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    summaries: list[str] = []
    drive(
        lambda: summaries.extend(o.summary for o in reconciler.run_once([game_name])),
        lambda: "awaits approval for EU-WEST" in summaries[-1],
    )
    for _ in range(3):  # waiting: passes change nothing
        reconciler.run_once([game_name])
    assert carries(repo, release, [("NA-WEST", 100)]) and not carries(repo, release, [("EU-WEST", 100)])
    code, out = approve(run_cli, repo, tmp_path / "c2", "EU-WEST")
    assert code == 0 and "approved region EU-WEST" in out
    drive(
        lambda: reconciler.run_once([game_name]), lambda: f"refs/tags/release/{game_name}/{release[:12]}" in repo.refs()
    )


def test_no_data_and_too_little_exposure_never_promote(tmp_path: Path, fleet: Fleet, game_name: str) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release, players=5.0)  # exposure below the minimum of 10
    drive(lambda: reconciler.run_once([game_name]), lambda: "pause" in types(repo, release))
    evaluations = [e for e in repo.events(release) if e["type"] == "evaluate"]
    assert [e["outcome"] for e in evaluations] == ["inconclusive", "inconclusive"]
    assert "exposure 5 below the minimum 10" in evaluations[0]["checks"][0]["message"]
    assert not carries(repo, release, [("NA-WEST", 50)])

    other = make_game_repo(tmp_path / "other", f"{game_name}-nodata")
    other_reconciler = Reconciler(Remote(other.url, tmp_path / "cache-other"), PrometheusSource(fleet.url, timeout=5))
    first = git(other.work, "rev-parse", "HEAD")
    fleet.expose(other.game, first)
    other_reconciler.run_once([other.game])
    silent = other.commit(damage=46)  # the fleet reports nothing for this revision
    drive(lambda: other_reconciler.run_once([other.game]), lambda: "pause" in types(other, silent))
    assert not carries(other, silent, [("NA-WEST", 50)])
    assert "no data" in next(e for e in other.events(silent) if e["type"] == "pause")["reason"]


def test_prometheus_stopped_mid_rollout_neither_promotes_nor_rolls_back(
    tmp_path: Path, game_name: str, run_cli: RunCli
) -> None:
    from tests.promoter.fixtures import start_fleet

    own = start_fleet(tmp_path / "prometheus")
    try:
        repo, reconciler, _first = bootstrapped(tmp_path, own, game_name)
        release = repo.commit(damage=46)
        own.expose(game_name, release)
        drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, release, [("NA-WEST", 10)]))
        own.prometheus.stop()
        refs = repo.refs()
        drive(lambda: reconciler.run_once([game_name]), lambda: "pause" in types(repo, release))
        assert [e["outcome"] for e in repo.events(release) if e["type"] == "evaluate"] == ["error", "error"]
        assert "query failed" in repo.events(release)[-2]["checks"][0]["message"]
        assert {k: v for k, v in repo.refs().items() if "deploy" in k} == {
            k: v for k, v in refs.items() if "deploy" in k
        }
        assert "rollback" not in types(repo, release)

        own.prometheus.start()
        own.prometheus.wait_for(f'hotswap_test_players{{game="{game_name}"}}')
        code, _ = approve(run_cli, repo, tmp_path / "c2", "NA-WEST")
        assert code == 0
        drive(
            lambda: reconciler.run_once([game_name]),
            lambda: f"refs/tags/release/{game_name}/{release[:12]}" in repo.refs(),
        )
    finally:
        own.prometheus.stop()


def test_a_rejected_push_changes_nothing_and_says_why(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, _reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'deploy branches are frozen for the tournament' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repo.refs()
    code, out, _err = run_cli(
        [
            "reconcile",
            "--once",
            "--remote",
            repo.url,
            "--cache",
            str(tmp_path / "c2"),
            "--prometheus",
            fleet.url,
            "--game",
            game_name,
        ]
    )
    assert code == 2
    assert "frozen for the tournament" in out
    assert repo.refs() == before


def test_an_invalid_policy_exits_2_with_file_and_line_and_writes_nothing(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    policy = repo.work / f"configs/{game_name}/rollout-policy.yaml"
    repo.commit(
        files={
            str(policy.relative_to(repo.work)): policy.read_text().replace("rings: [10, 50, 100]", "rings: [10, 50]")
        }
    )
    before = repo.refs()
    code, out, _ = run_cli(
        ["reconcile", "--once", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--prometheus", fleet.url]
    )
    assert code == 2
    assert f"configs/{game_name}/rollout-policy.yaml:6:" in out and "[policy-rings]" in out
    assert repo.refs() == before


def test_an_invalid_release_is_never_deployed_and_its_rejection_is_recorded(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    deploys = {k: v for k, v in repo.refs().items() if "/deploy/" in k}
    bad = repo.commit(damage=999_999_999, message="typo in the damage")
    (outcome,) = reconciler.run_once([game_name])
    assert "rejected" in outcome.summary and "balance.yaml" in outcome.summary
    (event,) = repo.events(bad)
    assert event["type"] == "reject" and "[schema]" in event["reason"]
    assert {k: v for k, v in repo.refs().items() if "/deploy/" in k} == deploys
    # and the next, valid commit rolls out
    good = repo.commit(damage=46, message="fix the typo")
    fleet.expose(game_name, good)
    reconciler.run_once([game_name])
    assert carries(repo, good, [("NA-WEST", 10)])
