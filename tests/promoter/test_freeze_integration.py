"""Scheduled releases and freeze windows against real parts: a bare git remote and a Prometheus
scraping the test exporter. A `Hotswap-Not-Before` trailer holds the start; a freeze window stops a
canary from advancing (no ring moves) while a manual rollback still runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contract.instants import format_instant
from tests.conftest import RunCli
from tests.promoter.fixtures import Fleet, bootstrapped, carries, drive, ring, types


def _sleep_until(instant: datetime) -> None:
    time.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()) + 0.2)


def test_a_schedule_delays_the_start_and_a_freeze_stops_the_canary_but_not_a_rollback(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, reconciler, first = bootstrapped(tmp_path, fleet, game_name)
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    start, freeze = now + timedelta(seconds=3), now + timedelta(seconds=6)
    path = f"configs/{game_name}/rollout-policy.yaml"
    policy = (repo.work / path).read_text() + (
        f"  freeze:\n    - {{start: {format_instant(freeze)}, end: {format_instant(freeze + timedelta(hours=1))},"
        " reason: patch day}\n"
    )
    release = repo.commit(
        damage=47,
        files={path: policy},
        message=f"buff, after the freeze\n\nHotswap-Not-Before: {format_instant(start)}",
    )
    fleet.expose(game_name, release)

    before = repo.refs()
    (outcome,) = reconciler.run_once([game_name])
    assert datetime.now(UTC) < start, "the machine was too slow to see the schedule"
    assert outcome.summary.startswith(f"scheduled: not before {format_instant(start)}"), outcome
    assert repo.refs() == before  # nothing written, not even the ledger

    _sleep_until(start)
    (outcome,) = reconciler.run_once([game_name])
    assert carries(repo, release, [("NA-WEST", 10)]), outcome
    deploy = next(e for e in repo.events(release) if e["type"] == "deploy")
    assert deploy["reason"] == "strategy canary (the default): no rule covers balance.yaml, rollout-policy.yaml"

    _sleep_until(freeze)
    frozen = f"frozen until {format_instant(freeze + timedelta(hours=1))}: patch day"
    drive(lambda: reconciler.run_once([game_name]), lambda: "evaluate" in types(repo, release))
    settled = repo.refs()
    for _ in range(3):
        (outcome,) = reconciler.run_once([game_name])
        assert outcome.summary.startswith(frozen), outcome
    assert repo.refs() == settled  # no ring, no ledger write while frozen
    assert not carries(repo, release, [("NA-WEST", 50)])
    assert [e["outcome"] for e in repo.events(release) if e["type"] == "evaluate"] == ["pass"]

    argv = ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game_name]
    code, out, err = run_cli([*argv, "--reason", "wrong buff", "--by", "alice"])
    assert code == 0, out + err
    trailers = repo.trailers(ring(game_name, "NA-WEST", 10))
    assert trailers["Hotswap-Rollback-Of"] == release and trailers["Hotswap-Release"] == first
    assert "rollback" in types(repo, release)
