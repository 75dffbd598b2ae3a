"""Refs, trailers and ledger files written by an earlier version keep working: a remote as the
promoter of commit 2d5b51a left it (tests/promoter/old_remote.py writes its bytes with plain git) is
read by today's `hotswap status`, continued by today's reconciler and served by today's agents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.git_channel import GitRemote
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from tests.conftest import RunCli, git
from tests.promoter.fixtures import Fleet, GameRepo, drive, make_game_repo
from tests.promoter.judged import BUSY, ECONOMY, ECONOMY_BLUE_GREEN_POLICY
from tests.promoter.old_remote import LEDGER, OldPromoter, check, event, switch_instant

# Economy releases go blue-green, the others canary (rings 10/90/100; EU-WEST from 90).
POLICY = ECONOMY_BLUE_GREEN_POLICY
RINGS = (10, 90, 100)
REGIONS = ("NA-WEST", "EU-WEST")


def ring(game: str, region: str, percent: int) -> str:
    return f"refs/heads/deploy/{game}/{region}/ring-{percent}"


def green(game: str, region: str) -> str:
    return f"refs/heads/deploy/{game}/{region}/green"


def old_history(tmp_path: Path, game: str, now: datetime) -> tuple[GameRepo, dict[str, str]]:
    """A bootstrap (A), a blue-green Economy release that completed (E), a canary release rolled back,
    quarantined and reverted on main (X), a kill switch's record, and a canary release (B) that has
    just landed on NA-WEST ring-10: everything the old promoter wrote, as it wrote it."""
    repo = make_game_repo(tmp_path, game, policy=POLICY.replace("{approval}", ""))
    old = OldPromoter(repo.remote, game)
    t0 = now - timedelta(hours=4)
    a = git(repo.work, "rev-parse", "HEAD")
    (repo.work / f"configs/{game}/economy.yaml").write_text(ECONOMY.format(game=game, price=3000))
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-qm", "a shop")
    git(repo.work, "push", "-q", repo.url, "main")
    e = git(repo.work, "rev-parse", "HEAD")
    x = repo.commit(damage=400, message="rifle one-shots everyone")

    for region in REGIONS:
        for percent in RINGS:
            old.write(ring(game, region, percent), a, "bootstrap/100", t0)
    old.rollout(a, event(t0, "bootstrap", reason="first release of the game"))
    old.tag(a, t0)

    e_events = []
    for i, region in enumerate(REGIONS):
        at = t0 + timedelta(hours=1, minutes=20 * i)
        old.write(green(game, region), e, f"{region}/green", at)
        switch_at = at + timedelta(minutes=10, seconds=1, milliseconds=250)
        for percent in RINGS:
            old.write(
                ring(game, region, percent),
                e,
                f"{region}/switch",
                at + timedelta(minutes=10),
                **{"Hotswap-Switch-At": switch_instant(switch_at)},
            )
        e_events += [
            event(at, "deploy", region, 0),
            event(
                at + timedelta(minutes=9),
                "evaluate",
                region,
                0,
                outcome="pass",
                checks=[check("churn", "pass", 1.0, 1.0), check("complaints", "pass", 0.002, 0.002)],
            ),
            event(at + timedelta(minutes=10), "deploy", region, 100),
        ]
    old.rollout(e, *e_events, event(t0 + timedelta(hours=2), "complete", reason="blue-green: every region at 100%"))
    old.tag(e, t0 + timedelta(hours=2))

    at = t0 + timedelta(hours=2, minutes=30)
    old.write(ring(game, "NA-WEST", 10), x, "NA-WEST/10", at)
    reason = "churn +200% (critical above +5%)"
    old.rollback(ring(game, "NA-WEST", 10), e, x, "NA-WEST/10", reason, at + timedelta(minutes=5))
    old.quarantine(x, at + timedelta(minutes=5), reason, check("churn", "critical", 3.0, 1.0))
    revert = old.revert_main(x, "rifle one-shots everyone", reason, at + timedelta(minutes=5))
    old.rollout(
        x,
        event(at, "deploy", "NA-WEST", 10),
        event(
            at + timedelta(minutes=5),
            "evaluate",
            "NA-WEST",
            10,
            outcome="critical",
            checks=[check("churn", "critical", 3.0, 1.0)],
        ),
        event(at + timedelta(minutes=5), "rollback", "NA-WEST", 10, outcome="critical", reason=reason),
        event(at + timedelta(minutes=5), "main-revert", outcome="done", reason=revert),
    )
    old.stopped("festival", t0 + timedelta(hours=3), e)

    b = repo.commit(damage=48, message="buff rifle")  # on top of the old revert: `commit` pulls first
    landed = now - timedelta(seconds=20)
    old.write(ring(game, "NA-WEST", 10), b, "NA-WEST/10", landed)
    old.rollout(b, event(landed, "deploy", "NA-WEST", 10))
    old.push_ledger(landed)
    return repo, {"A": a, "E": e, "X": x, "B": b}


def ledger_file(repo: GameRepo, path: str) -> str:
    return git(repo.remote, "show", f"{LEDGER}:{path}")


def test_a_remote_written_by_the_old_promoter_is_read_continued_and_served(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    game = game_name
    now = datetime.now(UTC)
    repo, sha = old_history(tmp_path, game, now)
    kept = {p: ledger_file(repo, p) for p in (f"quarantine/{game}/{sha['X']}.json", f"events/{game}/festival.json")}
    tags = {name: ref for name, ref in repo.refs().items() if name.startswith("refs/tags/")}
    assert len(tags) == 2

    # status shows the rollout where it stood
    code, out, err = run_cli(
        ["status", "--remote", repo.url, "--cache", str(tmp_path / "status"), "--game", game, "--format", "json"]
    )
    assert code == 0, err
    (status,) = json.loads(out)["games"]
    rollout = status["rollout"]
    assert (rollout["release"], rollout["region"], rollout["step"], rollout["strategy"]) == (
        sha["B"],
        "NA-WEST",
        10,
        "canary",
    ), out
    (na,) = [r for r in status["regions"] if r["name"] == "NA-WEST"]
    assert na["rings"]["10"]["release"] == sha["B"][:12] and na["rings"]["100"]["release"] == sha["E"][:12]

    # agents serve each ring's config: ring-10 the canary, the rest and green the switched release
    source = GitRemote(repo.url)
    blue = [Agent(game, "NA-WEST", f"na-west-{i:03d}", source, registry=CollectorRegistry()) for i in range(30)]
    pool = Agent(game, "NA-WEST", "na-west-900", source, registry=CollectorRegistry(), pool="green")
    served = {}
    for agent in [*blue, pool]:
        agent.poll_once()
        assert agent.snapshot is not None
        served[agent.server_id] = agent.snapshot.revision
    assert set(served.values()) == {sha["B"][:12], sha["E"][:12]}, served
    assert served["na-west-900"] == sha["E"][:12]

    # the next passes continue it: judged at NA-WEST/10, then on to ring-90
    fleet.count(game, sha["E"], **BUSY)
    fleet.count(game, sha["B"], **BUSY)
    reconciler = Reconciler(Remote(repo.url, tmp_path / "cache"), PrometheusSource(fleet.url, timeout=5))
    drive(
        lambda: reconciler.run_once([game]),
        lambda: repo.trailers(ring(game, "NA-WEST", 90)).get("Hotswap-Release") == sha["B"],
        timeout=90,
    )
    events = repo.events(sha["B"])
    assert events[0] == {
        "at": (now - timedelta(seconds=20)).isoformat(),
        "type": "deploy",
        "region": "NA-WEST",
        "step": 10,
    }
    assert any(e["type"] == "evaluate" and e["outcome"] == "pass" for e in events), events
    assert repo.trailers(ring(game, "NA-WEST", 90))["Hotswap-Stage"] == "NA-WEST/90"
    # what the old version recorded stays as it was written
    assert {p: ledger_file(repo, p) for p in kept} == kept
    assert {name: ref for name, ref in repo.refs().items() if name.startswith("refs/tags/")} == tags
    assert not any(
        repo.trailers(ring(game, region, percent)).get("Hotswap-Release") == sha["X"]
        for region in REGIONS
        for percent in RINGS
    )
