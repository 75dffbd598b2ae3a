"""The fleet simulator: the effect model, Poisson counts at the configured scale, per-revision
counters, and `hotswap simulate` exporting the metrics contract."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from agent import players
from agent.effects import Effects, effects_of
from agent.sessions import SessionDurations
from agent.simulator import Fleet
from tests.agent.fixtures import RingRepo, wait_for
from tests.conftest import RunCli
from tests.promoter.fixtures import PrometheusProcess, free_port

RINGS = ("ring-10", "ring-50", "ring-100")
Z = 4.5  # every bound below is this many standard deviations of the statistic it bounds


def docs(damage: float = 45, tick: float = 30) -> dict[tuple[str, str], dict[str, object]]:
    return {
        ("GameBalance", "b"): {"weapons": {"rifle": {"damage": damage}}},
        ("Performance", "p"): {"server": {"tickRate": tick}},
    }


def test_a_balanced_config_has_no_effect() -> None:
    assert effects_of(docs(35)) == effects_of(docs(60)) == Effects()


def test_rifle_damage_outside_the_band_raises_churn_and_complaints() -> None:
    e = effects_of(docs(damage=140))  # 80 over the band: imbalance 8
    assert e.churn == 17 and e.complaints == 41
    assert e.engagement < 0.25 and e.session < 0.4
    assert effects_of(docs(damage=25)).churn == 3  # under the band counts too


def test_a_low_tick_rate_raises_latency_and_disconnects() -> None:
    e = effects_of(docs(tick=10))
    assert e.latency == 2 and e.crashes == 4 and e.health_penalty > 0
    assert e.churn == 1


Samples = dict[str, dict[tuple[str, str], float]]  # metric -> (server, revision) -> value


def read(fleet: Fleet) -> Samples:
    out: Samples = defaultdict(dict)
    for family in fleet.registry.collect():
        for s in family.samples:
            if "config_revision" in s.labels and not s.name.endswith("_created"):  # _created: wall clock
                out[s.name][(s.labels["server"], s.labels["config_revision"])] = s.value
    return out


def everywhere(repo: RingRepo, damage: int, release: str) -> None:
    for ring in RINGS:
        repo.deploy(damage, release=release, ref=f"refs/heads/deploy/g/NA-WEST/{ring}")


def fleet_on(
    tmp_path: Path, release: str = "good", per_server: int = players.PLAYERS_PER_SERVER, seed: int = 7, damage: int = 45
) -> tuple[RingRepo, Fleet]:
    repo = RingRepo(tmp_path)
    everywhere(repo, damage, release)
    fleet = Fleet(str(repo.remote), "g", ["NA-WEST"], servers_per_region=6, seed=seed, players_per_server=per_server)
    fleet.poll()
    return repo, fleet


COUNTERS = {
    "hotswap_players_churned_total": players.CHURN_PER_PLAYER_SECOND,
    "hotswap_server_crashes_total": players.CRASHES_PER_PLAYER_SECOND,
    "hotswap_player_complaints_total": players.COMPLAINTS_PER_PLAYER_SECOND,
    "hotswap_session_duration_seconds_count": 1 / players.SESSION_SECONDS,
}


@pytest.mark.parametrize("per_server", [250, 2500])
def test_counters_are_poisson_at_the_configured_scale(tmp_path: Path, per_server: int) -> None:
    """Each server's players (around its share of `per_server`) and its counters' increments over a
    30-minute tick (around rate x that tick's player-seconds), standardised by their Poisson means,
    have mean 0 and variance 1 within bounds from the Poisson moments."""
    _, fleet = fleet_on(tmp_path, per_server=per_server, seed=11)
    share = {s.agent.server_id: s.fill for s in fleet.servers}
    seconds = 1800.0
    z: dict[str, list[float]] = defaultdict(list)
    mus: dict[str, list[float]] = defaultdict(list)

    def standardised(name: str, value: float, mu: float) -> None:
        z[name].append((value - mu) / math.sqrt(mu))
        mus[name].append(mu)

    before = read(fleet)
    for _ in range(300):
        fleet.tick(seconds)
        after = read(fleet)
        for (server, revision), total in after["hotswap_player_seconds_total"].items():
            key = (server, revision)
            played = total - before["hotswap_player_seconds_total"].get(key, 0.0)
            assert played == pytest.approx(after["hotswap_players_active"][key] * seconds)  # players x seconds
            standardised("players", after["hotswap_players_active"][key], per_server * share[server])
            for name, rate in COUNTERS.items():
                standardised(name, after[name][key] - before[name].get(key, 0.0), rate * played)
        before = after
    for name, values in z.items():
        n, inverse_mu = len(values), float(np.mean(np.reciprocal(mus[name])))
        # a standardised Poisson variable has kurtosis 3 + 1/mu: Var(sample variance) ~ (2 + 1/mu) / n
        assert abs(np.mean(values)) < Z / math.sqrt(n), name
        assert abs(np.var(values, ddof=1) - 1) < Z * math.sqrt((2 + inverse_mu) / n), name


def test_session_lengths_are_exponential_with_the_effects_mean(tmp_path: Path) -> None:
    _, fleet = fleet_on(tmp_path, per_server=200, seed=5, damage=140)  # sessions x0.36
    fleet.tick(36_000.0)
    got = read(fleet)
    n = sum(got["hotswap_session_duration_seconds_count"].values())
    total = sum(got["hotswap_session_duration_seconds_sum"].values())
    squares = sum(got["hotswap_session_duration_seconds_squares_total"].values())
    mean = players.SESSION_SECONDS * effects_of(docs(damage=140)).session
    assert n > 10_000
    # exponential: sd = mean, E[X^2] = 2 mean^2, Var(X^2) = 20 mean^4
    assert abs(total / n - mean) < Z * mean / math.sqrt(n)
    assert abs(squares / n - 2 * mean**2) < Z * math.sqrt(20 / n) * mean**2
    assert got["hotswap_session_duration_seconds_bucket"]  # the histogram's buckets alongside


def test_a_harmful_config_multiplies_churn_only_on_the_servers_running_it(tmp_path: Path) -> None:
    repo = RingRepo(tmp_path)
    everywhere(repo, 45, "good")
    repo.deploy(140, release="bad", ref="refs/heads/deploy/g/NA-WEST/ring-50")  # rifle 140: churn x17
    fleet = Fleet(str(repo.remote), "g", ["NA-WEST"], servers_per_region=20, seed=3)
    fleet.poll()
    for _ in range(30):
        fleet.tick(60.0)
    got = read(fleet)

    def per_release(name: str) -> dict[str, float]:
        sums = {"good": 0.0, "bad": 0.0}
        for (_, revision), value in got[name].items():
            sums["bad" if revision.startswith("bad") else "good"] += value
        return sums

    exposure = per_release("hotswap_player_seconds_total")
    assert exposure["bad"] > 0 and exposure["good"] > 0
    for name, multiplier in (
        ("hotswap_players_churned_total", 17.0),
        ("hotswap_player_complaints_total", 41.0),
        ("hotswap_server_crashes_total", 1.0),
    ):
        events = per_release(name)
        ratio = (events["bad"] / exposure["bad"]) / (events["good"] / exposure["good"])
        # the log of a Poisson rate ratio has standard error sqrt(1/events + 1/events)
        se = math.sqrt(1 / events["bad"] + 1 / events["good"])
        assert abs(math.log(ratio / multiplier)) < Z * se, (name, ratio)


def test_after_a_swap_the_new_revisions_counters_start_at_0(tmp_path: Path) -> None:
    repo, fleet = fleet_on(tmp_path, release="old", seed=2)
    for _ in range(5):
        fleet.tick(60.0)
    everywhere(repo, 48, "new")
    fleet.poll()
    got = read(fleet)
    old, new = "old".ljust(12, "0"), "new".ljust(12, "0")
    counters = (*COUNTERS, "hotswap_player_seconds_total", "hotswap_session_duration_seconds_squares_total")
    for name in counters:
        revisions = {revision for _, revision in got[name]}
        assert revisions == {new}, name  # the old revision's series are gone
        assert set(got[name].values()) == {0.0}, name  # and the new ones start at 0, before any play
    assert not any(revision == old for _, revision in got["hotswap_players_active"])
    fleet.tick(60.0)
    got = read(fleet)
    for key, exposure in got["hotswap_player_seconds_total"].items():
        assert exposure == got["hotswap_players_active"][key] * 60.0  # one tick's worth, nothing carried over


def test_run_charges_the_wall_clock_times_the_speed(tmp_path: Path) -> None:
    repo, _ = fleet_on(tmp_path)
    fleet = Fleet(str(repo.remote), "g", ["NA-WEST"], servers_per_region=6, speed=300)
    stop = threading.Event()
    readings = iter([0.0, 0.0, 2.0])  # start, a first tick of nothing, then 2 wall-clock seconds

    def clock() -> float:
        now = next(readings)
        if now == 2.0:
            stop.set()  # the loop ends after this tick
        return now

    fleet.run(stop, interval=0.0, clock=clock)
    got = read(fleet)
    assert got["hotswap_player_seconds_total"]
    for key, played in got["hotswap_player_seconds_total"].items():
        assert played == got["hotswap_players_active"][key] * 600.0


def test_the_same_seed_reproduces_the_counts(tmp_path: Path) -> None:
    repo, _ = fleet_on(tmp_path)

    def run(seed: int) -> Samples:
        fleet = Fleet(str(repo.remote), "g", ["NA-WEST"], servers_per_region=6, seed=seed)
        fleet.poll()
        for _ in range(3):
            fleet.tick(60.0)
        return read(fleet)

    assert run(1) == run(1) != run(2)


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--servers-per-region", "0"),
        ("--players-per-server", "0"),
        ("--speed", "0"),
        ("--speed", "nan"),
        ("--interval", "0"),
        ("--green-servers", "-1"),
        ("--green-servers", "41"),
    ],
)
def test_hotswap_simulate_rejects_an_empty_fleet_or_no_time(run_cli: RunCli, flag: str, value: str) -> None:
    code, _, err = run_cli(["simulate", "--remote", "/nowhere", "--game", "g", flag, value])
    assert code == 2 and flag in err and "Traceback" not in err


def test_hotswap_simulate_exports_the_metrics_contract(tmp_path: Path) -> None:
    repo = RingRepo(tmp_path)
    everywhere(repo, 45, "good")
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "hotswap", "simulate", "--remote", str(repo.remote), "--game", "g"),
            *("--region", "NA-WEST", "--servers-per-region", "4", "--players-per-server", "300"),
            *("--speed", "600", "--interval", "0.05", "--seed", "3", "--port", str(port)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    families: dict[str, Metric] = {}

    def scraped() -> bool:
        try:
            text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except requests.ConnectionError:
            return False
        families.clear()
        families.update((f.name, f) for f in text_string_to_metric_families(text))
        session = families.get("hotswap_session_duration_seconds")
        return session is not None and any(s.name.endswith("_count") and s.value > 0 for s in session.samples)

    try:
        wait_for(scraped)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "300 players each at 600x" in out and "Traceback" not in err
    kinds = {
        "hotswap_player_seconds": "counter",
        "hotswap_players_churned": "counter",
        "hotswap_server_crashes": "counter",
        "hotswap_player_complaints": "counter",
        "hotswap_session_duration_seconds": "histogram",
        "hotswap_session_duration_seconds_squares": "counter",
        "hotswap_server_health": "gauge",
        "hotswap_engagement_score": "gauge",
        "hotswap_players_active": "gauge",
    }
    for name, kind in kinds.items():
        assert families[name].type == kind, name
        labelled = [s for s in families[name].samples if not s.name.endswith("_created")]
        assert {s.labels["server"] for s in labelled} == {f"na-west-{i:03d}" for i in range(4)}, name
        assert all(
            s.labels["game"] == "g"
            and s.labels["region"] == "NA-WEST"
            and s.labels["config_revision"] == "good00000000"
            for s in labelled
        ), name
    exposure = {
        s.labels["server"]: s.value for s in families["hotswap_player_seconds"].samples if s.name.endswith("_total")
    }
    assert all(value > 0 for value in exposure.values())
    squares = [s for s in families["hotswap_session_duration_seconds_squares"].samples if s.name.endswith("_total")]
    assert len(squares) == 4 and sum(s.value for s in squares) > 0


def _query(prometheus: PrometheusProcess, query: str, at: float | None = None) -> list[dict[str, Any]]:
    params: dict[str, str | float] = {"query": query} if at is None else {"query": query, "time": at}
    body = requests.get(f"{prometheus.url}/api/v1/query", params=params, timeout=5).json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _scraped(prometheus: PrometheusProcess, selector: str, servers: int, total: float) -> Callable[[], bool]:
    """Prometheus' latest samples of `selector` are every server's, summing to `total`."""

    def check() -> bool:
        counted, summed = (_query(prometheus, f"{f}({selector})") for f in ("count", "sum"))
        return (
            bool(counted and summed)
            and float(counted[0]["value"][1]) == servers
            and float(summed[0]["value"][1]) == pytest.approx(total, abs=1e-6)
        )

    return check


def test_prometheus_increase_for_a_revision_counts_only_what_ran_under_it(tmp_path: Path) -> None:
    (tmp_path / "fleet").mkdir()
    repo, fleet = fleet_on(tmp_path / "fleet", release="old", per_server=100, seed=4)
    prometheus = PrometheusProcess(tmp_path / "prometheus", fleet.serve())
    old = 'hotswap_player_seconds_total{game="g",config_revision="old000000000"}'
    new = 'hotswap_player_seconds_total{game="g",config_revision="new000000000"}'
    try:
        prometheus.wait_for(old, 60)
        wait_for(_scraped(prometheus, old, 6, 0.0), 60)  # a revision's first scrape reads 0
        for _ in range(3):
            fleet.tick(60.0)
        wait_for(_scraped(prometheus, old, 6, sum(read(fleet)["hotswap_player_seconds_total"].values())), 60)
        everywhere(repo, 48, "new")
        fleet.poll()
        wait_for(_scraped(prometheus, new, 6, 0.0), 60)
        fleet.tick(60.0)
        played = sum(read(fleet)["hotswap_player_seconds_total"].values())
        wait_for(_scraped(prometheus, new, 6, played), 60)
        # evaluate at the last scrape itself, so nothing is extrapolated past it
        last = max(float(s["values"][-1][0]) for s in _query(prometheus, f"{new}[1m]"))
        (increase,) = _query(prometheus, f"sum(increase({new}[5m]))", at=last)
    finally:
        prometheus.stop()
    assert float(increase["value"][1]) == pytest.approx(played)  # the old revision's play is not in it
    assert played == pytest.approx(sum(read(fleet)["hotswap_players_active"].values()) * 60.0)  # one tick's play


def test_session_buckets_hold_lengths_up_to_their_bound() -> None:
    sessions = SessionDurations(("server",))
    sessions.observe(["a"], np.array([60.0, 61.0, 10_000.0]))
    sessions.start(["b"])
    histogram, squares = sessions.collect()
    got = {(s.name, s.labels["server"], s.labels.get("le")): s.value for s in histogram.samples}
    assert got[("hotswap_session_duration_seconds_bucket", "a", "60.0")] == 1  # `le` is inclusive
    assert got[("hotswap_session_duration_seconds_bucket", "a", "300.0")] == 2
    assert got[("hotswap_session_duration_seconds_bucket", "a", "+Inf")] == 3
    assert got[("hotswap_session_duration_seconds_sum", "a", None)] == 10_121.0
    assert got[("hotswap_session_duration_seconds_count", "b", None)] == 0  # started: exported at 0
    assert {s.labels["server"]: s.value for s in squares.samples} == {"a": 60.0**2 + 61.0**2 + 10_000.0**2, "b": 0.0}


def test_a_scrape_sees_a_whole_tick_or_none_of_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scrape that comes in while a tick records waits for the tick: it never reads one server's
    player-seconds of the tick without the rest (a sped-up tick's increments are hours of play)."""
    _, fleet = fleet_on(tmp_path)
    port = fleet.serve()
    record, scraped = fleet.metrics.record, []

    def scrape() -> None:
        scraped.append(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text)

    def record_then_scrape(*args: Any) -> None:
        record(*args)
        if not scraped and not scraper.is_alive():
            scraper.start()
            scraper.join(1.0)  # with the lock held by the tick, the scrape cannot finish here

    scraper = threading.Thread(target=scrape)
    monkeypatch.setattr(fleet.metrics, "record", record_then_scrape)
    fleet.tick(60.0)
    scraper.join()
    exposure = [
        s.value
        for family in text_string_to_metric_families(scraped[0])
        for s in family.samples
        if s.name == "hotswap_player_seconds_total"
    ]
    assert len(exposure) == 6 and all(value > 0 for value in exposure), exposure
