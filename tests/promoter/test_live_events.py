"""The kill switch against a real bare remote, the real promoter and real agents polling it. The
numbers the promoter judges come from memory (tests/promoter/fakes.py): no Prometheus needed here."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from agent.agent import Agent
from agent.git_channel import GitRemote
from contract.instants import format_instant, parse_instant
from contract.ring import ring_for
from promoter.decide import position
from promoter.event_stop import stop_event
from promoter.gitio import Remote
from promoter.reconcile import Reconciler, utc_now
from tests.conftest import RunCli, git
from tests.github.fake_github import TOKEN, FakeGitHub
from tests.promoter.fakes import FakeClock, InMemoryMetrics
from tests.promoter.fixtures import EVENT, POLICY, GameRepo, carries, drive, make_game_repo, pushes

# Real git and real agents, seconds a test: slow, but no Prometheus (`-m "slow and not prometheus"` runs them).
pytestmark = pytest.mark.slow

RINGS = [(r, p) for r in ("NA-WEST", "EU-WEST") for p in (10, 50, 100)]
# A release that touches GameBalance alone takes NA-WEST at 10 then 100; anything else at 10, 50, 100.
BALANCE_ONLY = POLICY.replace(
    "  strategy: canary\n",
    "  strategy: canary\n  strategies:\n"
    "    - {{match: {{kinds: [GameBalance], only: true}}, strategy: canary, regions: {{NA-WEST: {{steps: [10, 100]}}}}}}\n",
)


def ring(game: str, region: str, percent: int) -> str:
    return f"refs/heads/deploy/{game}/{region}/ring-{percent}"


def with_event(
    tmp_path: Path,
    metrics: InMemoryMetrics,
    game: str,
    now: datetime | None = None,
    policy: str = POLICY,
    clock: Callable[[], datetime] = utc_now,
) -> tuple[GameRepo, Reconciler, str]:
    """A game whose first release carries an event running at `now`, bootstrapped to every ring by a
    reconciler reading `clock` and judging on `metrics`."""
    repo = make_game_repo(tmp_path, game, policy=policy)
    now = now or clock()
    text = EVENT.format(
        game=game,
        start=format_instant(now - timedelta(hours=1)),
        end=format_instant(now + timedelta(days=1)),
        later=format_instant(now + timedelta(days=2)),
    )
    (repo.work / f"configs/{game}/event.yaml").write_text(text)
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", "festival")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    first = git(repo.work, "rev-parse", "HEAD")
    metrics.expose(game, first)
    reconciler = Reconciler(Remote(repo.url, tmp_path / "cache"), metrics, clock=clock)
    (outcome,) = reconciler.run_once([game])
    assert outcome.summary.startswith("bootstrap"), outcome
    return repo, reconciler, first


def last_time_of_day(clock: str) -> Callable[[], datetime]:
    """A clock that reads the last `HH:MM:SS` UTC (at most a day ago) and runs on from there: a
    test sees the same calendar around it whenever it runs, and every instant it writes is past or
    present for the parts that read the real clock (the reconciler, `hotswap event list`)."""
    real = datetime.now(UTC)
    hour, minute, second = (int(part) for part in clock.split(":"))
    start = real.replace(hour=hour, minute=minute, second=second, microsecond=0)
    if start > real:
        start -= timedelta(days=1)
    offset = real - start
    return lambda: datetime.now(UTC) - offset


def servers(region: str, each: int = 3) -> list[str]:
    """Server ids of this region, `each` on every ring."""
    names = (f"{region.lower()}-{i:03d}" for i in range(1000))
    picked: dict[int, list[str]] = {10: [], 50: [], 100: []}
    for name in names:
        ring_list = picked[ring_for(name, (10, 50, 100))]
        if len(ring_list) < each:
            ring_list.append(name)
    return [n for ring_list in picked.values() for n in ring_list]


def shown(repo: GameRepo, ref: str) -> str:
    return git(
        repo.remote, "show", f"{ref}:event.yaml" if "deploy/" in ref else f"{ref}:configs/{repo.game}/event.yaml"
    )


# The event's window and the stop read one clock, set to a time of day: late in the evening, and a
# few seconds before midnight, so the stop lands on the next day of the event's start.
@pytest.mark.parametrize("time_of_day", ["23:46:00", "23:59:57"])
def test_the_kill_switch_reaches_every_agent_in_one_push_and_leaves_the_canary_where_it_was(
    tmp_path: Path, metrics: InMemoryMetrics, game_name: str, run_cli: RunCli, time_of_day: str
) -> None:
    clock = last_time_of_day(time_of_day)
    repo, reconciler, first = with_event(tmp_path, metrics, game_name, clock=clock)
    written = shown(repo, first)
    release = repo.commit(damage=46, message="buff rifle")  # a canary of another change, in flight
    metrics.expose(game_name, release)
    reconciler.run_once([game_name])
    assert carries(repo, release, [("NA-WEST", 10)]) and carries(repo, first, [("NA-WEST", 50), ("EU-WEST", 10)])

    stop = threading.Event()
    agents = [
        Agent(game_name, region, server, GitRemote(repo.url), registry=CollectorRegistry())
        for region in ("NA-WEST", "EU-WEST")
        for server in servers(region)
    ]
    threads = [threading.Thread(target=a.run, args=(stop, 0.5), daemon=True) for a in agents]
    for thread in threads:
        thread.start()
    try:
        drive(
            lambda: None,
            lambda: all((s := a.events(clock())) is not None and s.active_names == ("festival",) for a in agents),
        )
        assert {a.ring for a in agents} == {10, 50, 100}
        before = len(pushes(repo))
        started = time.monotonic()
        remote = Remote(repo.url, tmp_path / "stop")
        remote.fetch()
        result = stop_event(remote, game_name, "festival", "exploit in the shop", "ops", clock=clock)
        assert result.changed, result.summary
        drive(
            lambda: None,
            lambda: all(not a.events(clock()).active_names for a in agents),  # type: ignore[union-attr]
            timeout=10,
            pause=0.05,
        )
        took = time.monotonic() - started
    finally:
        stop.set()
    assert took < 10, took

    # ONE push: main, every ring, the ledger.
    assert len(pushes(repo)) == before + 1
    moved = set(pushes(repo)[-1])
    assert moved == {"refs/heads/main", "refs/heads/hotswap/ledger", *(ring(game_name, r, p) for r, p in RINGS)}
    # Every ring keeps its release (the canary is not dragged along) and serves main's edit byte for byte.
    assert carries(repo, release, [("NA-WEST", 10)])
    assert carries(repo, first, [r for r in RINGS if r != ("NA-WEST", 10)])
    trailers = repo.trailers(ring(game_name, "NA-WEST", 10))
    assert trailers["Hotswap-Stage"] == "expedited" and trailers["Hotswap-Event-Stop"] == "festival"
    assert trailers["Hotswap-Reason"] == "exploit in the shop"
    edited = shown(repo, "refs/heads/main")
    assert all(shown(repo, ring(game_name, r, p)) == edited for r, p in RINGS)
    record = json.loads(git(repo.remote, "show", f"refs/heads/hotswap/ledger:events/{game_name}/festival.json"))
    assert record["by"] == "ops" and record["reason"] == "exploit in the shop"
    # Both ends (the event's and EU-WEST's window) now read the stop's instant; nothing else changed.
    ends = re.findall(r"end: [\"']([^\"']+)[\"']", written)
    assert len(ends) == 2 and record["stoppedAt"] == format_instant(result.record.stopped_at)
    assert edited == re.sub("|".join(ends), record["stoppedAt"], written) and "# shown in the lobby" in edited

    # Twice: nothing written. Unknown: exit 1 with a clear line.
    cli = ["event", "stop", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, _ = run_cli([*cli, "--event", "festival", "--reason", "again"])
    assert code == 0 and "already stopped" in out and len(pushes(repo)) == before + 1
    code, _, err = run_cli([*cli, "--event", "nope", "--reason", "x"])
    assert code == 1 and "no live event 'nope'" in err and err.count("\n") == 1

    listing = ["event", "list", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, _ = run_cli([*listing, "--format", "json"])
    (event,) = json.loads(out)["games"][0]["events"]
    assert code == 0 and event["state"] == "ended" and event["stopped"]["by"] == "ops"
    assert [(r["region"], r["state"], r["served"]) for r in event["regions"]] == [
        ("NA-WEST", "ended", "ended"),
        ("EU-WEST", "ended", "ended"),
    ]
    code, out, _ = run_cli(listing)
    assert "festival: ended (stopped" in out and "NA-WEST" in out

    # The canary goes on: the rings it reaches next serve the stop too (never re-enabled).
    drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, release, [("NA-WEST", 50)]))
    assert shown(repo, ring(game_name, "NA-WEST", 50)) == edited
    assert "damage: 46" in git(repo.remote, "show", f"{ring(game_name, 'NA-WEST', 50)}:balance.yaml")


def test_a_stop_during_a_canary_leaves_the_release_s_steps_and_its_step_s_landed_time(
    tmp_path: Path, metrics: InMemoryMetrics, fake_clock: FakeClock, game_name: str
) -> None:
    repo, reconciler, _ = with_event(tmp_path, metrics, game_name, policy=BALANCE_ONLY, clock=fake_clock)
    release = repo.commit(damage=46, message="buff rifle")
    metrics.expose(game_name, release)
    reconciler.run_once([game_name])
    assert carries(repo, release, [("NA-WEST", 10)])
    remote = Remote(repo.url, tmp_path / "read")

    def seen() -> tuple[tuple[int, ...], datetime | None]:
        remote.fetch()
        snap = remote.snapshot(game_name)
        policy = snap.releases[release].policy
        assert policy is not None
        pos = position(snap, policy, release)
        return policy.regions[0].steps, pos.landed if pos is not None else None

    steps, landed = seen()
    assert steps == (10, 100) and landed is not None
    fake_clock.advance(1.1)  # commit times are whole seconds: the stop's commit is a later one
    assert stop_event(remote, game_name, "festival", "exploit", "ops", clock=fake_clock).changed
    assert repo.trailers(ring(game_name, "NA-WEST", 100))["Hotswap-Event-Stop"] == "festival"
    assert seen() == (steps, landed)

    # The canary goes on with the steps it started with: NA-WEST's rings 50 and 100 in one step.
    def a_second_later() -> object:
        fake_clock.advance(1.0)  # the policy's interval (PT1S) on the promoter's clock
        return reconciler.run_once([game_name])

    drive(a_second_later, lambda: carries(repo, release, [("NA-WEST", 100)]), pause=0)
    deployed = [e["step"] for e in repo.events(release) if e["type"] == "deploy" and e["region"] == "NA-WEST"]
    assert deployed == [10, 100]


def test_with_github_main_changes_by_pull_request_and_its_merge_meets_the_rings(
    tmp_path: Path,
    metrics: InMemoryMetrics,
    game_name: str,
    run_cli: RunCli,
    fake_github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, reconciler, first = with_event(tmp_path, metrics, game_name)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", f"{fake_github.owner}/{fake_github.name}")
    monkeypatch.setenv("HOTSWAP_GITHUB_URL", fake_github.base)
    main = git(repo.remote, "rev-parse", "main")
    cli = ["event", "stop", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, err = run_cli([*cli, "--event", "festival", "--reason", "exploit"])
    assert code == 0, err
    branch = f"hotswap/event-stop-{game_name}-festival"
    (pull,) = fake_github.pulls.values()
    assert pull["head"] == branch and "exploit" in pull["body"] and "~ GitHub: pull request #" in out
    assert git(repo.remote, "rev-parse", "main") == main  # protected main: only by the pull request
    assert set(pushes(repo)[-1]) == {
        f"refs/heads/{branch}",
        "refs/heads/hotswap/ledger",
        *(ring(game_name, r, p) for r, p in RINGS),
    }
    assert all(shown(repo, ring(game_name, r, p)) == shown(repo, f"refs/heads/{branch}") for r, p in RINGS)
    (outcome,) = reconciler.run_once([game_name])  # main still has the old end: nothing to roll out
    assert not outcome.wrote and carries(repo, first, RINGS), outcome

    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    git(repo.work, "fetch", "-q", str(repo.remote), branch)
    git(repo.work, "merge", "-q", "--no-ff", "-m", "Merge the stop", "FETCH_HEAD")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    (outcome,) = reconciler.run_once([game_name])  # the merge brings main to the rings' tree
    assert outcome.summary.startswith("up to date") and not outcome.wrote, outcome


def stopped_on(repo: GameRepo, ref: str, when: datetime) -> bool:
    return f'end: "{format_instant(when)}"' in shown(repo, ref)


def test_a_later_run_of_a_stopped_event_is_stopped_again_and_its_record_replaced(
    tmp_path: Path, metrics: InMemoryMetrics, game_name: str
) -> None:
    repo, _reconciler, _ = with_event(tmp_path, metrics, game_name)
    remote = Remote(repo.url, tmp_path / "stop")
    remote.fetch()
    now = datetime.now(UTC)
    first = stop_event(remote, game_name, "festival", "exploit", "ops", clock=lambda: now - timedelta(minutes=10))
    assert first.changed
    # The same event runs again: new dates on main, live now (the rings still serve the stopped run).
    text = EVENT.format(
        game=game_name,
        start=format_instant(now - timedelta(minutes=5)),
        end=format_instant(now + timedelta(days=1)),
        later=format_instant(now + timedelta(days=2)),
    )
    repo.commit(message="festival again", files={f"configs/{game_name}/event.yaml": text})
    remote.fetch()
    before = len(pushes(repo))
    second = stop_event(remote, game_name, "festival", "exploit again", "ops2")
    assert second.changed, second.summary
    assert set(pushes(repo)[-1]) == {"refs/heads/main", "refs/heads/hotswap/ledger"}  # the rings are over already
    at = second.record.stopped_at
    assert at > first.record.stopped_at and stopped_on(repo, "refs/heads/main", at)
    record = json.loads(git(repo.remote, "show", f"refs/heads/hotswap/ledger:events/{game_name}/festival.json"))
    assert record["stoppedAt"] == format_instant(at) and record["by"] == "ops2"
    remote.fetch()
    again = stop_event(remote, game_name, "festival", "once more", "ops3")
    assert not again.changed and "already stopped" in again.summary and len(pushes(repo)) == before + 1


@pytest.mark.parametrize("change", ["deleted", "ended"])
def test_rings_still_serving_an_event_main_no_longer_runs_are_stopped(
    tmp_path: Path, metrics: InMemoryMetrics, game_name: str, run_cli: RunCli, change: str
) -> None:
    repo, _reconciler, first = with_event(tmp_path, metrics, game_name)
    path = f"configs/{game_name}/event.yaml"
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    if change == "deleted":
        git(repo.work, "rm", "-q", path)
    else:  # its end moved into the past on main; the change is not on the rings yet (a canary, a freeze)
        text = (repo.work / path).read_text()
        ended = format_instant(datetime.now(UTC) - timedelta(minutes=30))
        (repo.work / path).write_text(re.sub(r"""end: ["'][^"']+["']""", f'end: "{ended}"', text))
    git(repo.work, "commit", "-q", "-am", f"festival {change}")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    main = git(repo.remote, "rev-parse", "main")
    cli = ["event", "stop", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, out, err = run_cli([*cli, "--event", "festival", "--reason", "exploit", "--by", "ops"])
    assert code == 0, err
    assert set(pushes(repo)[-1]) == {"refs/heads/hotswap/ledger", *(ring(game_name, r, p) for r, p in RINGS)}
    assert git(repo.remote, "rev-parse", "main") == main and carries(repo, first, RINGS)
    record = json.loads(git(repo.remote, "show", f"refs/heads/hotswap/ledger:events/{game_name}/festival.json"))
    at = datetime.fromisoformat(record["stoppedAt"].replace("Z", "+00:00"))
    assert record["commit"] == main and all(stopped_on(repo, ring(game_name, r, p), at) for r, p in RINGS)
    count = len(pushes(repo))
    code, out, _ = run_cli([*cli, "--event", "festival", "--reason", "again"])
    assert code == 0 and "already stopped" in out and len(pushes(repo)) == count


def test_a_stop_during_a_switch_lead_keeps_the_switch_instant_and_the_rollback(
    tmp_path: Path, metrics: InMemoryMetrics, game_name: str
) -> None:
    repo, _reconciler, first = with_event(tmp_path, metrics, game_name)
    now = datetime.now(UTC)
    ahead, passed = now + timedelta(seconds=30), now - timedelta(seconds=30)
    for (region, percent), at in ((("NA-WEST", 10), ahead), (("EU-WEST", 10), passed)):
        ref = ring(game_name, region, percent)
        message = (
            f"switch\n\nHotswap-Release: {first}\nHotswap-Rollout: r-1\nHotswap-Switch-At: {format_instant(at)}\n"
            f"Hotswap-Rollback-Of: {'b' * 40}\nHotswap-Reason: the switch's own reason\n"
        )
        tip = git(repo.remote, "rev-parse", ref)
        commit = git(repo.remote, "commit-tree", f"{tip}^{{tree}}", "-p", tip, "-m", message)
        git(repo.remote, "update-ref", ref, commit, tip)
    remote = Remote(repo.url, tmp_path / "stop")
    remote.fetch()
    result = stop_event(remote, game_name, "festival", "exploit", "ops")
    assert result.changed
    lead = repo.trailers(ring(game_name, "NA-WEST", 10))
    assert lead["Hotswap-Switch-At"] == format_instant(ahead) and lead["Hotswap-Release"] == first
    assert lead["Hotswap-Rollback-Of"] == "b" * 40 and lead["Hotswap-Rollout"] == "r-1"
    assert lead["Hotswap-Reason"] == "exploit"
    late = repo.trailers(ring(game_name, "EU-WEST", 10))
    assert "Hotswap-Switch-At" not in late and late["Hotswap-Rollback-Of"] == "b" * 40
    remote.fetch()
    snap = remote.snapshot(game_name)
    assert snap.rings[("NA-WEST", 10)].switch_at == parse_instant(format_instant(ahead))
    assert snap.rings[("NA-WEST", 10)].rollback_of == "b" * 40


def test_a_stop_the_remote_refuses_is_one_clear_line(
    tmp_path: Path, metrics: InMemoryMetrics, game_name: str, run_cli: RunCli
) -> None:
    repo, _reconciler, _ = with_event(tmp_path, metrics, game_name)
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repo.refs()
    cli = ["event", "stop", "--remote", repo.url, "--cache", str(tmp_path / "cli"), "--game", game_name]
    code, _, err = run_cli([*cli, "--event", "festival", "--reason", "exploit"])
    assert code == 2 and err.count("\n") == 1 and "refused the stop of festival" in err, err
    assert "Traceback" not in err and repo.refs() == before
