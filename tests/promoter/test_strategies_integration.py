"""Blue-green and expedited against real parts: bare git remotes, a Prometheus scraping counters
that grow at set rates, the real reconciler and the real `hotswap rollback`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.git_channel import GitRemote
from contract.instants import parse_instant
from promoter.fleet_reports import PrometheusFleet
from promoter.gitio import Remote
from promoter.observed import observe
from promoter.reconcile import Outcome, Reconciler
from promoter.status import game_status
from tests.conftest import RunCli, git
from tests.promoter.fixtures import Fleet, GameRepo, bootstrap, drive, make_game_repo, pushes
from tests.promoter.judged import BUSY, ECONOMY, ECONOMY_BLUE_GREEN_POLICY, JUDGED_POLICY
from tests.promoter.judged import start as judged_start

BLUE_GREEN_POLICY = (
    JUDGED_POLICY.replace("strategy: canary", "strategy: blue-green\n  blueGreen: {{switchLead: PT1S}}")
    .replace("steps: [10, 90, 100]", "steps: [100]")
    .replace("steps: [90, 100]", "steps: [100]")
)
EXPEDITED_POLICY = JUDGED_POLICY.replace("strategy: canary", "strategy: expedited")
REGION_RINGS = ("ring-10", "ring-90", "ring-100")


def start(tmp_path: Path, fleet: Fleet, game: str, policy: str) -> tuple[GameRepo, Reconciler, str]:
    return judged_start(tmp_path, fleet, game, BUSY, policy)


def ref(game: str, name: str, region: str = "NA-WEST") -> str:
    return f"refs/heads/deploy/{game}/{region}/{name}"


def tree(repo: GameRepo, name: str) -> str:
    return git(repo.remote, "rev-parse", f"{name}^{{tree}}")


def status_rollout(tmp_path: Path, repo: GameRepo) -> dict[str, object]:
    remote = Remote(repo.url, tmp_path / "status-cache")
    remote.fetch()
    rollout: dict[str, object] = game_status(remote.snapshot(repo.game), datetime.now(UTC))["rollout"]
    return rollout


def switch_to_green(tmp_path: Path, fleet: Fleet, game: str) -> tuple[GameRepo, Reconciler, str, str, str]:
    """Bootstrap, then a release through green (judged against blue) and the switch of NA-WEST."""
    repo, reconciler, first = start(tmp_path, fleet, game, BLUE_GREEN_POLICY)
    blue = tree(repo, ref(game, "ring-100"))
    release = repo.commit(damage=48, message="buff rifle")
    fleet.count(game, release, **BUSY)
    run = lambda: reconciler.run_once([game])  # noqa: E731
    drive(run, lambda: ref(game, "green") in repo.refs())
    assert repo.trailers(ref(game, "green"))["Hotswap-Stage"] == "NA-WEST/green"
    assert all(repo.trailers(ref(game, r))["Hotswap-Release"] == first for r in REGION_RINGS)  # no ring touched
    shown = status_rollout(tmp_path, repo)
    assert (shown["strategy"], shown["stage"], shown["step"]) == ("blue-green", "green", 0)
    drive(run, lambda: repo.trailers(ref(game, "ring-10"))["Hotswap-Release"] == release, timeout=60)
    return repo, reconciler, first, release, blue


def test_blue_green_judges_green_against_blue_switches_at_one_instant_and_switches_back(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    game = game_name
    repo, reconciler, first, release, blue = switch_to_green(tmp_path, fleet, game)
    # green was judged against blue on Prometheus' numbers before the switch
    green_evals = [e for e in repo.events(release) if e["type"] == "evaluate" and e["step"] == 0]
    assert green_evals and green_evals[-1]["outcome"] == "pass"
    churn = next(c for c in green_evals[-1]["checks"] if c["name"] == "churn")
    assert churn["evidence"]["counts"]["candidateEvents"] > 0 and churn["evidence"]["counts"]["baselineEvents"] > 0
    # ONE push moved every ring of the region (and no green, no other region), same Switch-At
    switch = [p for p in pushes(repo) if ref(game, "ring-10") in p][-1]
    assert sorted(r for r in switch if "/deploy/" in r) == sorted(ref(game, r) for r in REGION_RINGS)
    trailers = [repo.trailers(ref(game, r)) for r in REGION_RINGS]
    instants = {t["Hotswap-Switch-At"] for t in trailers}
    assert len(instants) == 1 and {t["Hotswap-Stage"] for t in trailers} == {"NA-WEST/switch"}
    (instant,) = instants
    assert instant.endswith("Z") and len(instant) == len("2026-11-29T18:00:05.000Z")
    assert parse_instant(instant) is not None
    assert {tree(repo, ref(game, r)) for r in REGION_RINGS} == {tree(repo, ref(game, "green"))}
    assert repo.trailers(ref(game, "ring-100", "EU-WEST"))["Hotswap-Release"] == first
    assert status_rollout(tmp_path, repo)["stage"] in (f"switching at {instant}", "post-switch")

    # after the switch the release goes bad: the post-switch analysis switches the region back
    fleet.count(game, release, **{**BUSY, "complaints": 1e7})
    drive(lambda: reconciler.run_once([game]), lambda: "rollback" in [e["type"] for e in repo.events(release)])
    rollback = next(e for e in repo.events(release) if e["type"] == "rollback")
    assert "critical at NA-WEST/switch" in rollback["reason"] and "complaints" in rollback["reason"]
    back = [p for p in pushes(repo) if ref(game, "green") in p][-1]  # the main revert came later, alone
    assert sorted(r for r in back if "/deploy/" in r) == sorted(ref(game, r) for r in (*REGION_RINGS, "green"))
    reverted = [repo.trailers(ref(game, r)) for r in (*REGION_RINGS, "green")]
    assert {t["Hotswap-Rollback-Of"] for t in reverted} == {release}
    assert {t["Hotswap-Release"] for t in reverted} == {first}
    assert len({t["Hotswap-Switch-At"] for t in reverted}) == 1
    assert {tree(repo, ref(game, r)) for r in (*REGION_RINGS, "green")} == {blue}
    assert f"quarantine/{game}/{release}.json" in git(repo.remote, "ls-tree", "-r", "--name-only", "hotswap/ledger")


def test_hotswap_rollback_of_a_switched_blue_green_release_switches_back(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    game = game_name
    repo, _, first, release, blue = switch_to_green(tmp_path, fleet, game)
    cli = ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game]
    code, out, err = run_cli([*cli, "--reason", "economy broken", "--release", release[:12]])
    assert code == 0, out + err
    reverted = [repo.trailers(ref(game, r)) for r in (*REGION_RINGS, "green")]
    assert {t["Hotswap-Release"] for t in reverted} == {first}
    assert all(t["Hotswap-Reason"].startswith("manual rollback by ") for t in reverted)
    assert all(t["Hotswap-Reason"].endswith("economy broken") for t in reverted)
    assert len({t["Hotswap-Switch-At"] for t in reverted}) == 1
    assert {tree(repo, ref(game, r)) for r in (*REGION_RINGS, "green")} == {blue}
    assert "rollback" in [e["type"] for e in repo.events(release)]


def test_an_expedited_release_reaches_every_ring_in_one_push_and_is_revertible(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    game = game_name
    repo, reconciler, first = start(tmp_path, fleet, game, EXPEDITED_POLICY)
    release = repo.commit(damage=10, message="kill switch: rifle off")
    fleet.count(game, release, **BUSY)
    before = len(pushes(repo))
    started = time.monotonic()
    reconciler.run_once([game])
    assert time.monotonic() - started < 10
    every = [ref(game, r, region) for region in ("NA-WEST", "EU-WEST") for r in REGION_RINGS]
    (push,) = pushes(repo)[before:]
    assert sorted(r for r in push if "/deploy/" in r) == sorted(every)
    assert {repo.trailers(r)["Hotswap-Stage"] for r in every} == {"expedited"}
    assert [e["type"] for e in repo.events(release)] == ["deploy"]
    # one post-deploy check an interval later, on the absolute checks, then complete and tagged
    tag = f"refs/tags/release/{game}/{release[:12]}"
    drive(lambda: reconciler.run_once([game]), lambda: tag in repo.refs(), timeout=60)
    types = [e["type"] for e in repo.events(release)]
    assert types[0] == "deploy" and types[-2:] == ["evaluate", "complete"], types

    cli = ["rollback", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--game", game]
    code, out, err = run_cli([*cli, "--reason", "wrong switch", "--release", release[:12]])
    assert code == 0, out + err
    assert {repo.trailers(r)["Hotswap-Release"] for r in every} == {first}
    assert all("Hotswap-Switch-At" not in repo.trailers(r) for r in every)


def test_real_agents_follow_the_promoters_green_and_flip_at_its_switch_instant(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    """The promoter's refs and the agent's reading of them, end to end: a green-pool server serves
    green at once, blue servers hold it, and all of them flip from memory at the switch's instant."""
    game = game_name
    repo, reconciler, first = start(tmp_path, fleet, game, BLUE_GREEN_POLICY.replace("PT1S", "PT3S"))
    servers = [
        Agent(game, "NA-WEST", f"na-west-{i:03d}", GitRemote(repo.url), registry=CollectorRegistry(), pool=pool)
        for i, pool in enumerate(("green", "blue", "blue", "blue"))
    ]

    def poll() -> None:
        for server in servers:
            server.poll_once()

    def revisions() -> list[str | None]:
        return [s.snapshot.revision if s.snapshot else None for s in servers]

    def sample(server: Agent, name: str, **extra: str) -> float | None:
        labels = {"game": game, "region": "NA-WEST", "server": server.server_id, **extra}
        return server.registry.get_sample_value(name, labels)

    poll()
    assert revisions() == [first[:12]] * 4
    release = repo.commit(damage=48, message="buff rifle")
    fleet.count(game, release, **BUSY)

    def run() -> None:
        reconciler.run_once([game])
        poll()

    drive(run, lambda: ref(game, "green") in repo.refs())
    poll()
    assert revisions() == [release[:12]] + [first[:12]] * 3  # green serves it at once, blue keeps blue
    assert all(sample(s, "hotswap_agent_prefetched_info", config_revision=release[:12]) == 1 for s in servers[1:])

    drive(run, lambda: repo.trailers(ref(game, "ring-10"))["Hotswap-Release"] == release, timeout=60)
    poll()  # every server reads the switch commit and schedules its flip
    instant = parse_instant(repo.trailers(ref(game, "ring-100"))["Hotswap-Switch-At"])
    assert instant is not None
    ahead = (instant - datetime.now(UTC)).total_seconds()
    assert ahead > 0.5, f"the switch instant passed before the servers read it ({ahead:.2f}s)"
    assert revisions()[1:] == [first[:12]] * 3  # not before the instant
    time.sleep(ahead + 1.0)
    assert revisions() == [release[:12]] * 4
    for server in servers[1:]:
        assert sample(server, "hotswap_agent_switch_late_total") == 0
        offset = sample(server, "hotswap_agent_last_switch_offset_seconds")
        assert offset is not None and 0 <= offset < 0.5, offset


def economy_game(tmp_path: Path, fleet: Fleet, game: str) -> tuple[GameRepo, Reconciler]:
    """A game whose Economy releases go blue-green and every other release canary, bootstrapped."""
    repo = make_game_repo(tmp_path, game, policy=ECONOMY_BLUE_GREEN_POLICY)
    path = f"configs/{game}/economy.yaml"
    (repo.work / path).write_text(ECONOMY.format(game=game, price=3000))
    git(repo.work, "add", path)
    git(repo.work, "commit", "-q", "-m", "a shop")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    fleet.count(game, git(repo.work, "rev-parse", "HEAD"), **BUSY)
    return repo, bootstrap(tmp_path, repo, fleet.url)


def fleet_status(tmp_path: Path, repo: GameRepo, fleet: Fleet) -> dict[str, Any]:
    """`status` of the game as the CLI builds it: the refs next to what Prometheus says the agents run."""
    remote = Remote(repo.url, tmp_path / "status-cache")
    remote.fetch()
    snap, now = remote.snapshot(repo.game), datetime.now(UTC)
    return game_status(snap, now, observe(snap, PrometheusFleet(fleet.url).observe(repo.game, now), now))


def shown(status: dict[str, Any]) -> set[str]:
    """Every revision the status table shows servers on."""
    return {
        rev
        for region in status["regions"]
        for ring in region["rings"].values()
        for rev in ring["observed"]["revisions"]
    }


def test_after_a_blue_green_release_completes_green_pool_servers_follow_their_ring_again(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    game = game_name
    repo, reconciler = economy_game(tmp_path, fleet, game)
    registry = CollectorRegistry()
    pools = [(region, pool) for region in ("NA-WEST", "EU-WEST") for pool in ("green", "green", "blue")]
    servers = [
        Agent(game, region, f"{region.lower()}-{pool}-{i}", GitRemote(repo.url), registry=registry, pool=pool)
        for i, (region, pool) in enumerate(pools)
    ]
    greens = {ref(game, "green", region) for region in ("NA-WEST", "EU-WEST")}
    seen: dict[str, str] = {}

    def poll() -> None:
        for server in servers:
            server.poll_once()

    def run() -> None:
        reconciler.run_once([game])
        seen.update({r: sha for r, sha in repo.refs().items() if r in greens})
        poll()

    def runs(release: str) -> bool:
        return all(s.snapshot is not None and s.snapshot.revision == release[:12] for s in servers)

    def status_once(until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The status once Prometheus shows what the agents run (scraped every second)."""
        deadline = time.monotonic() + 30
        while not until(status := fleet_status(tmp_path, repo, fleet)):
            assert time.monotonic() < deadline, status
            poll()
            time.sleep(0.5)
        return status

    with fleet.relaying([registry]):
        run()
        economy = repo.commit(files={f"configs/{game}/economy.yaml": ECONOMY.format(game=game, price=2500)})
        fleet.count(game, economy, **BUSY)
        tag = f"refs/tags/release/{game}/{economy[:12]}"
        drive(run, lambda: tag in repo.refs(), timeout=120)
        assert seen.keys() == greens  # it went blue-green, through both regions' green
        # the pass that completed the release dropped every green ref, each pushed alone right after
        # the completing push (a remote may refuse deletions): the green pools follow their rings
        log = pushes(repo)
        at = next(i for i, p in enumerate(log) if tag in p)
        assert greens == {r for p in log[at + 1 : at + 3] for r in p} and not greens & set(repo.refs())
        assert runs(economy)
        for server in servers:  # a green server back on its ring runs the same tree: no switch counted
            labels = {"game": game, "region": server.region, "server": server.server_id}
            assert registry.get_sample_value("hotswap_agent_switch_late_total", labels) == 0

        balance = repo.commit(damage=48, message="buff rifle")  # a canary release after it
        fleet.count(game, balance, **BUSY)
        tag = f"refs/tags/release/{game}/{balance[:12]}"
        drive(run, lambda: tag in repo.refs(), timeout=120)
        assert {e["step"] for e in repo.events(balance) if e["type"] == "deploy"} == {10, 90, 100}
        assert runs(balance)  # the green pools too
        status = status_once(lambda s: shown(s) == {balance[:12]} and s["observed"]["converged"])
        assert status["upToDate"] and status["observed"]["states"]["ok"] == len(servers)

        # A green ref left on the blue-green release, as the earlier promoter left it: the green pool
        # goes back to it, and status calls those servers drifted until the next pass drops it.
        stale = ref(game, "green")
        git(repo.remote, "update-ref", stale, seen[stale])
        poll()
        drifted = sorted(s.server_id for s in servers if s.pool == "green" and s.region == "NA-WEST")
        status = status_once(lambda s: economy[:12] in shown(s))
        assert status["observed"]["drifting"] == drifted and not status["upToDate"], status["observed"]
        assert "2 on another revision" in status["summary"]
        (outcome,) = reconciler.run_once([game])
        assert "green of NA-WEST" in outcome.summary and stale not in repo.refs(), outcome
        poll()
        assert runs(balance)
        assert status_once(lambda s: shown(s) == {balance[:12]} and s["observed"]["converged"])["upToDate"]


def test_a_remote_that_refuses_deleting_green_holds_back_no_release(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    # Many remotes refuse to delete branches (receive.denyDeletes, a protection rule). The green ref's
    # deletion is pushed alone after the release's writes: the release completes, later releases move,
    # and every pass says the green ref stayed (status shows its servers as drift).
    game = game_name
    repo, reconciler, _, release, _ = switch_to_green(tmp_path, fleet, game)
    git(repo.remote, "config", "receive.denyDeletes", "true")
    outcomes: list[Outcome] = []

    def run() -> None:
        outcomes.extend(reconciler.run_once([game]))

    drive(run, lambda: f"refs/tags/release/{game}/{release[:12]}" in repo.refs(), timeout=90)
    assert ref(game, "green") in repo.refs()  # the remote kept it
    told = [o for o in outcomes if "green not deleted" in o.summary]
    assert told and "the remote refused it" in told[-1].summary and not told[-1].error
    following = repo.commit(damage=49, message="the next release")
    fleet.count(game, following, **BUSY)
    drive(run, lambda: repo.trailers(ref(game, "ring-10")).get("Hotswap-Release") == following, timeout=90)
