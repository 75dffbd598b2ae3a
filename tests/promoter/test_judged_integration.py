"""The sequential judge against real parts: a Prometheus scraping counters that grow at set rates
(deterministic, so a verdict is the arithmetic's), bare git remotes, the real reconciler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.promoter.fixtures import Fleet, GameRepo, drive
from tests.promoter.judged import BUSY, PLAYER_SECONDS, QUIET, start


def evaluations(repo: GameRepo, release: str) -> list[dict[str, Any]]:
    return [e for e in repo.events(release) if e["type"] == "evaluate"]


def check(event: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in event["checks"] if c["name"] == name)
    return found


def test_a_good_release_is_promoted_through_every_step_on_the_judge(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, _ = start(tmp_path, fleet, game_name, BUSY)
    release = repo.commit(damage=48, message="buff rifle")
    fleet.count(game_name, release, **BUSY)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs(), timeout=120)

    deploys = [(e["region"], e["step"]) for e in repo.events(release) if e["type"] == "deploy"]
    assert deploys == [("NA-WEST", 10), ("NA-WEST", 90), ("NA-WEST", 100), ("EU-WEST", 90), ("EU-WEST", 100)]
    judged = evaluations(repo, release)
    assert {e["outcome"] for e in judged} <= {"pass", "hold"} and judged[-1]["outcome"] == "pass"
    first = check(judged[0], "churn")
    evidence = first["evidence"]
    assert first["verdict"] == "pass" and evidence["test"] == "rate" and evidence["need"]["met"] is True
    assert evidence["lower"] < 0.05 and evidence["critical"] == 0.05 and evidence["warning"] == 0.02
    counts = evidence["counts"]
    assert counts["candidateEvents"] > 1000 and counts["baselineEvents"] > 1000
    # the same rates on both sides: the estimate is near no change
    assert abs(counts["candidateEvents"] / counts["candidateExposure"] / (1000 / PLAYER_SECONDS) - 1) < 0.2
    # the evidence carries across the steps of a region and starts afresh in the next one
    for region in ("NA-WEST", "EU-WEST"):
        churns = [check(e, "churn") for e in judged if e["region"] == region and check(e, "churn")["evidence"]]
        batches = [c["evidence"]["batch"]["candidateEvents"] for c in churns]
        assert churns[-1]["evidence"]["counts"]["candidateEvents"] == pytest.approx(sum(batches))
    assert len({e["step"] for e in judged if e["region"] == "NA-WEST" and check(e, "churn")["evidence"]}) == 2
    # at a region's step of 100 only the absolute check judges
    last_na = next(e for e in judged if (e["region"], e["step"]) == ("NA-WEST", 100))
    assert check(last_na, "churn")["verdict"] == "n/a"
    assert check(last_na, "complaints")["evidence"]["test"] == "absolute"
    assert check(last_na, "complaints")["evidence"]["critical"] == 0.01


def test_a_release_doubling_churn_is_rolled_back_with_its_evidence(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, first = start(tmp_path, fleet, game_name, BUSY)
    bad = repo.commit(damage=400, message="rifle one-shots everyone")
    fleet.count(game_name, bad, **{**BUSY, "churned": 2000.0})
    drive(lambda: reconciler.run_once([game_name]), lambda: "rollback" in [e["type"] for e in repo.events(bad)])

    rollback = next(e for e in repo.events(bad) if e["type"] == "rollback")
    churn = check(rollback, "churn")
    assert churn["verdict"] == "critical" and "beyond the critical tolerance +5%" in churn["message"]
    evidence = churn["evidence"]
    assert 0.6 < evidence["estimate"] < 1.4 and evidence["lower"] > 0.05 and evidence["upper"] > evidence["lower"]
    assert evidence["counts"]["candidateEvents"] > 0 and evidence["counts"]["baselineExposure"] > 0
    assert evidence["alpha"] == pytest.approx(0.01 / 2 / 2)  # split over the two regions and the two checks
    assert "churn" in repo.trailers(f"refs/heads/deploy/{game_name}/NA-WEST/ring-10")["Hotswap-Reason"]
    quarantine = git(repo.remote, "show", f"refs/heads/hotswap/ledger:quarantine/{game_name}/{bad}.json")
    assert '"evidence"' in quarantine and '"lower"' in quarantine
    assert repo.trailers(f"refs/heads/deploy/{game_name}/NA-WEST/ring-10")["Hotswap-Release"] == first


def test_a_small_exposure_release_holds_then_pauses_at_max_duration(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, _ = start(tmp_path, fleet, game_name, QUIET)
    release = repo.commit(damage=46)
    fleet.count(game_name, release, **QUIET)
    drive(
        lambda: reconciler.run_once([game_name]),
        lambda: "pause" in [e["type"] for e in repo.events(release)],
        timeout=90,
    )
    judged = evaluations(repo, release)
    assert [e["outcome"] for e in judged] == ["hold"] * len(judged) and len(judged) >= 2
    churn = check(judged[-1], "churn")
    assert churn["verdict"] == "hold" and churn["evidence"]["need"]["met"] is False
    assert churn["evidence"]["need"]["neededEvents"] > churn["evidence"]["need"]["events"]
    # the evidence adds up over the step's evaluations
    batches = [check(e, "churn")["evidence"]["batch"]["candidateEvents"] for e in judged]
    assert churn["evidence"]["counts"]["candidateEvents"] == sum(batches)
    pause = next(e for e in repo.events(release) if e["type"] == "pause")
    assert pause["outcome"] == "inconclusive" and pause["step"] == 10
    assert pause["reason"].startswith("NA-WEST/10 still holds after ") and "churn needs ~" in pause["reason"]
    deploys = [e for e in repo.events(release) if e["type"] == "deploy"]
    assert len(deploys) == 1  # never promoted past the canary
    for _ in range(2):  # paused: passes change nothing
        reconciler.run_once([game_name])
    assert [e["type"] for e in repo.events(release)][-1] == "pause"
