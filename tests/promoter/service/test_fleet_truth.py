"""Status tells the fleet's truth: real Agents export `hotswap_agent_config_info` through
prometheus_client, a real Prometheus scrapes them, and the CLI, the API, /metrics and the page (in
headless Chromium, signed in through the login form) show desired vs observed."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import Metric

from agent.agent import Agent
from agent.git_channel import GitRemote
from contract.ring import bucket, ring_for
from promoter.fleet_reports import PrometheusFleet
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings
from promoter.service.fleet import FleetBoard
from tests.conftest import RunCli, git
from tests.promoter.fixtures import Fleet, GameRepo, PrometheusProcess, bootstrapped, carries, drive, free_port, types
from tests.promoter.service.browser import chromium
from tests.promoter.service.cdp import Browser
from tests.promoter.service.harness import HOOK_SECRET, SECRET, Api, auth, token

RINGS = (10, 50, 100)
STALE_AFTER = 3.0  # seconds: the agents are scraped every second


class Relay:
    """One exporter for the module's Prometheus, relaying each test's agent registry."""

    def __init__(self) -> None:
        self.registries: list[CollectorRegistry] = []

    def collect(self) -> Iterator[Metric]:
        for registry in list(self.registries):
            yield from registry.collect()


@dataclass
class AgentsPrometheus:
    relay: Relay
    prometheus: PrometheusProcess

    @property
    def url(self) -> str:
        return self.prometheus.url


@pytest.fixture(scope="module")
def agents_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentsPrometheus]:
    relay = Relay()
    registry = CollectorRegistry()
    registry.register(relay)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    prometheus = PrometheusProcess(tmp_path_factory.mktemp("agents-prometheus"), server.server_port)
    yield AgentsPrometheus(relay, prometheus)
    prometheus.stop()
    server.shutdown()
    thread.join(timeout=10)


def servers(region: str, low: int, high: int, count: int) -> list[str]:
    """Server ids of a region whose bucket is in [low, high): their ring is the agent's own choice."""
    ids = (f"{region.lower()}-{i:03d}" for i in range(2000))
    return [s for s in ids if low <= bucket(s) < high][:count]


@dataclass
class Split:
    """A fleet split by a rollback: servers that took the bad release and cannot read their ring
    again keep running it, while the refs say every ring serves the good one."""

    repo: GameRepo
    first: str
    bad: str
    agents: dict[str, Agent]
    stuck: list[str]
    gone: str
    source: GitRemote
    registry: CollectorRegistry
    cli_args: list[str] = field(default_factory=list)

    @property
    def game(self) -> str:
        return self.repo.game


def split_fleet(tmp_path: Path, fleet: Fleet, game: str, agents_prometheus: AgentsPrometheus) -> Split:
    repo, reconciler, first = bootstrapped(tmp_path, fleet, game)
    registry = CollectorRegistry()
    agents_prometheus.relay.registries.append(registry)
    source = GitRemote(repo.url, tmp_path / "agents")
    ids = [("NA-WEST", s) for s in servers("NA-WEST", 0, 10, 3) + servers("NA-WEST", 10, 50, 2)]
    ids += [("NA-WEST", s) for s in servers("NA-WEST", 50, 100, 2)]
    ids += [("EU-WEST", s) for s in servers("EU-WEST", 0, 100, 3)]
    agents = {sid: Agent(game, region, sid, source, registry=registry) for region, sid in ids}
    for agent in agents.values():
        agent.poll_once()

    bad = repo.commit(damage=46, message="Buff the rifle a little")
    fleet.expose(game, bad)
    drive(lambda: reconciler.run_once([game]), lambda: carries(repo, bad, [("NA-WEST", 10)]))
    for agent in agents.values():
        agent.poll_once()
    stuck = sorted(sid for sid, a in agents.items() if a.snapshot is not None and a.snapshot.revision == bad[:12])
    assert len(stuck) >= 3, stuck  # at least NA-WEST ring-10
    fleet.expose(game, bad, errors=3.0)  # +200%: critical, rolled back (quarantined, main reverted)
    drive(lambda: reconciler.run_once([game]), lambda: "rollback" in types(repo, bad))
    assert carries(repo, first, [("NA-WEST", 10), ("NA-WEST", 100), ("EU-WEST", 100)])

    # One EU-WEST server goes away, once Prometheus has seen it: its series leave the exporter
    # (Prometheus marks them stale).
    prom = agents_prometheus.prometheus
    prom.wait_for(f'count(hotswap_agent_config_info{{game="{game}"}}) == {len(agents)}')
    gone = next(sid for sid, a in agents.items() if a.region == "EU-WEST")
    metrics = agents[gone].metrics
    metrics.config.remove(game, "EU-WEST", gone, first[:12], "blue")
    metrics.last_success.remove(game, "EU-WEST", gone)
    prom.wait_for(f'count(hotswap_agent_config_info{{game="{game}",config_revision="{bad[:12]}"}}) == {len(stuck)}')
    prom.wait_for(f'count(hotswap_agent_config_info{{game="{game}"}}) == {len(agents) - 1}')
    cli = ["status", "--remote", repo.url, "--cache", str(tmp_path / "status-cache"), "--game", game]
    cli += ["--prometheus", prom.url, "--stale-after", str(STALE_AFTER)]
    return Split(repo, first, bad, agents, stuck, gone, source, registry, cli)


def status_json(run_cli: RunCli, split: Split) -> dict[str, Any]:
    code, out, err = run_cli([*split.cli_args, "--format", "json"])
    assert code == 0, err
    (game,) = json.loads(out)["games"]
    return dict(game)


def until(step: Any, condition: Any) -> Any:
    """Call `step` until `condition(value)` holds; the value."""
    seen: list[Any] = []
    try:
        drive(lambda: seen.append(step()), lambda: bool(seen) and condition(seen[-1]), timeout=60, pause=0.5)
    except AssertionError:
        raise AssertionError(f"never reached; the last value: {json.dumps(seen[-1:], indent=1)[:4000]}") from None
    return seen[-1]


@dataclass
class Served:
    url: str
    service: Service


@pytest.fixture
def serve_split() -> Iterator[Any]:
    servers_started: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(tmp_path: Path, fleet: Fleet, split: Split, prometheus_url: str) -> Served:
        remote = Remote(split.repo.url, tmp_path / "service-cache")
        service = Service(
            remote,
            Reconciler(remote, PrometheusSource(fleet.url, timeout=5)),
            AuthSettings(secret=SECRET),
            HOOK_SECRET,
            interval=3600,
            fleet=FleetBoard(PrometheusFleet(prometheus_url), STALE_AFTER, max_age=0),
        )
        remote.fetch()
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers_started.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return Served(f"http://127.0.0.1:{port}", service)

    yield start
    for server, thread in servers_started:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_process(tmp_path: Path, split: Split, prometheus_url: str) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "hotswap", "serve", "--remote", split.repo.url, "--cache", str(tmp_path / "serve")]
    argv += ["--prometheus", prometheus_url, "--port", str(port), "--interval", "1", "--public-status"]
    env = {**os.environ, "HOTSWAP_JWT_SECRET": SECRET}
    process = subprocess.Popen([*argv, "--stale-after", str(STALE_AFTER)], env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        until(lambda: _healthy(url), bool)
        yield url
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
        assert "Traceback" not in err, err[-2000:]


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).ok
    except requests.ConnectionError:
        return False


def test_a_split_fleet_is_never_up_to_date_and_a_matching_one_is(
    tmp_path: Path,
    fleet: Fleet,
    game_name: str,
    agents_prometheus: AgentsPrometheus,
    run_cli: RunCli,
    serve_split: Any,
) -> None:
    split = split_fleet(tmp_path, fleet, game_name, agents_prometheus)
    first, bad = split.first[:12], split.bad[:12]

    # The CLI: the refs alone would say "up to date"; the fleet says otherwise, by name.
    game = until(lambda: status_json(run_cli, split), lambda g: g["observed"]["notReporting"] == [split.gone])
    assert game["refs"].startswith("up to date")
    assert game["upToDate"] is False and "up to date" not in game["summary"]
    observed = game["observed"]
    assert (
        observed["known"]
        and observed["quarantined"] == split.stuck
        and observed["states"]["quarantined"] == len(split.stuck)
    )
    assert observed["staleAfterSeconds"] == STALE_AFTER
    na_west = next(r for r in game["regions"] if r["name"] == "NA-WEST")
    ring10 = na_west["rings"]["10"]
    assert ring10["release"] == first and ring10["observed"]["revisions"] == {bad: 3}
    assert na_west["observed"]["drift"] == len(split.stuck)
    code, text, _ = run_cli(split.cli_args)
    assert code == 0 and "up to date" not in text and all(s in text for s in split.stuck[:5])
    assert f"{len(split.stuck)} on a quarantined revision" in text and f"1 not reporting ({split.gone})" in text

    # The API and /metrics.
    served = serve_split(tmp_path, fleet, split, agents_prometheus.url)
    detail = requests.get(f"{served.url}/api/v1/games/{game_name}", headers=auth("viewer"), timeout=10).json()
    assert detail["upToDate"] is False and "up to date" not in detail["summary"]
    assert detail["observed"]["quarantined"] == split.stuck and detail["observed"]["notReporting"] == [split.gone]
    listed = requests.get(f"{served.url}/api/v1/games/{game_name}/servers", headers=auth("viewer"), timeout=10).json()
    by_id = {s["server"]: s for s in listed["servers"]}
    assert set(by_id) == set(split.agents)
    for sid, agent in split.agents.items():
        row = by_id[sid]
        assert row["region"] == agent.region and row["ring"] == ring_for(sid, RINGS) and row["desired"] == first
        assert row["lastReport"] is not None
        expected = "quarantined" if sid in split.stuck else ("stale" if sid == split.gone else "ok")
        assert (row["state"], row["revision"]) == (expected, bad if sid in split.stuck else first), row
    assert requests.get(f"{served.url}/api/v1/games/{game_name}/servers", timeout=10).status_code == 401
    assert (
        requests.get(f"{served.url}/api/v1/games/nope/servers", headers=auth("viewer"), timeout=10).status_code == 404
    )
    served.service.observe_once()
    metrics = requests.get(f"{served.url}/metrics", timeout=10).text
    assert f'hotswap_fleet_drift_servers{{game="{game_name}",region="NA-WEST"}} {float(len(split.stuck))}' in metrics
    assert f'hotswap_fleet_servers{{game="{game_name}",region="EU-WEST",state="stale"}} 1.0' in metrics
    assert f'hotswap_fleet_observed{{game="{game_name}"}} 1.0' in metrics

    # `hotswap serve` itself: each loop pass reads the fleet into /metrics; --public-status needs no sign-in.
    with serve_process(tmp_path, split, agents_prometheus.url) as url:
        drift = f'hotswap_fleet_drift_servers{{game="{game_name}",region="NA-WEST"}} {float(len(split.stuck))}'
        until(lambda: requests.get(f"{url}/metrics", timeout=5).text, lambda text: drift in text)
        page = requests.get(url + "/", timeout=10)
        assert page.status_code == 200 and f"{len(split.stuck)} on a quarantined revision" in page.text

    # The stuck servers read their ring again and the lost one comes back: observed matches desired.
    for sid in split.stuck:
        split.agents[sid].poll_once()
    Agent(game_name, "EU-WEST", split.gone, split.source, registry=split.registry).poll_once()
    game = until(lambda: status_json(run_cli, split), lambda g: g["upToDate"])
    assert game["summary"].startswith(f"up to date: every region serves {first}")
    assert game["observed"]["servers"] == len(split.agents) and game["observed"]["states"]["ok"] == len(split.agents)
    detail = requests.get(f"{served.url}/api/v1/games/{game_name}", headers=auth("viewer"), timeout=10).json()
    assert detail["upToDate"] is True and detail["summary"].startswith("up to date")


def test_without_prometheus_or_with_a_dead_one_observed_is_unknown(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    base = ["status", "--remote", repo.url, "--cache", str(tmp_path / "c"), "--format", "json"]
    code, out, _ = run_cli(base)
    (game,) = json.loads(out)["games"]
    assert code == 0 and game["refs"].startswith("up to date") and game["upToDate"] is False
    assert "up to date" not in game["summary"] and "observed: unknown (no Prometheus" in game["summary"]
    dead = f"http://127.0.0.1:{free_port()}"
    code, out, err = run_cli([*base[:-2], "--prometheus", dead])
    assert code == 0 and "Traceback" not in err and "up to date" not in out
    assert f"observed: unknown (Prometheus at {dead}: unreachable (ConnectionError))" in out


def test_signed_in_through_the_form_a_browser_sees_the_drift(
    tmp_path: Path,
    fleet: Fleet,
    game_name: str,
    agents_prometheus: AgentsPrometheus,
    run_cli: RunCli,
    serve_split: Any,
) -> None:
    binary = chromium()
    split = split_fleet(tmp_path, fleet, game_name, agents_prometheus)
    until(lambda: status_json(run_cli, split), lambda g: g["observed"]["notReporting"] == [split.gone])
    served = serve_split(tmp_path, fleet, split, agents_prometheus.url)
    browser = Browser(binary, tmp_path / "profile")
    try:
        browser.goto(served.url + "/")  # no session: the login form, with 401
        assert browser.evaluate("document.getElementById('token') !== null") is True
        assert browser.evaluate("document.getElementById('game-" + game_name + "')") is None
        browser.evaluate(f"document.getElementById('token').value = {json.dumps(token('viewer', sub='carol'))}")
        browser.evaluate("document.getElementById('sign-in').click()")
        browser.wait_for(f"document.getElementById('game-{game_name}') !== null")
        page = browser.evaluate("document.documentElement.outerHTML")
        assert browser.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read the session
        diff_status = browser.evaluate("fetch(document.querySelector('a.diff').href).then(r => r.status)")
    finally:
        browser.close()
    summary = page.split('<p class="summary">', 1)[1].split("</p>", 1)[0]
    assert "up to date" not in summary and "fleet not confirmed" in summary
    assert f"{len(split.stuck)} on a quarantined revision: {', '.join(split.stuck)}" in page
    assert f"1 not reporting for over {STALE_AFTER:g} s: {split.gone}" in page
    assert f"{split.bad[:12]}: 3" in page  # NA-WEST ring-10: three servers on the bad revision
    subject = git(split.repo.remote, "log", "-1", "--format=%s", "main")
    author = git(split.repo.remote, "log", "-1", "--format=%an", "main")
    assert f'<q class="subject">{subject}</q>' in page and f'<span class="author">{author}</span>' in page
    assert 'class="reason">' in page and "errors" in page.split('class="reason">', 1)[1].split("</span>", 1)[0]
    assert '<ul class="evidence"><li class="critical">errors: critical' in page
    assert diff_status == 200


def test_login_makes_a_short_lived_strict_cookie_and_refuses_bad_tokens(api: Api) -> None:
    game = api.repo.game
    answer = requests.post(api.url + "/login", data={"token": token("viewer")}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https adds Secure
    max_age = int(cookie.split("Max-Age=", 1)[1].split(";", 1)[0])
    assert 0 < max_age <= 900
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert token("viewer") not in cookie
    page = requests.get(api.url + "/", cookies={"hotswap_session": value}, timeout=10)
    assert page.status_code == 200 and f'id="game-{game}"' in page.text
    assert requests.get(api.url + f"/api/v1/games/{game}", cookies={"hotswap_session": value}, timeout=10).ok
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert requests.get(api.url + "/", cookies={"hotswap_session": tampered}, timeout=10).status_code == 401
    for bad in ("not-a-jwt", token("viewer", secret="another-secret-another-secret-another"), ""):
        refused = requests.post(api.url + "/login", data={"token": bad}, allow_redirects=False, timeout=10)
        assert refused.status_code == 401 and "set-cookie" not in refused.headers
        assert 'id="token"' in refused.text
    # A token that expires sooner than 15 minutes makes a session that ends with it.
    short = requests.post(
        api.url + "/login", data={"token": token("viewer", expires=60)}, allow_redirects=False, timeout=10
    )
    assert int(short.headers["set-cookie"].split("Max-Age=", 1)[1].split(";", 1)[0]) <= 60
    # The session only lets you read: acting still needs a bearer token.
    act = requests.post(
        api.url + f"/api/v1/deployments/{game}-{api.release[:12]}/rollback",
        json={"reason": "x"},
        cookies={"hotswap_session": value},
        timeout=10,
    )
    assert act.status_code == 401
    logout = requests.post(api.url + "/logout", cookies={"hotswap_session": value}, allow_redirects=False, timeout=10)
    assert logout.status_code == 303 and "Max-Age=0" in logout.headers["set-cookie"]


def test_the_api_says_unknown_when_prometheus_is_down(api: Api) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    api.service.fleet = FleetBoard(PrometheusFleet(dead), max_age=0)
    game = api.repo.game
    detail = api.get(f"/api/v1/games/{game}")
    assert detail.status_code == 200
    observed = detail.json()["observed"]
    assert observed["known"] is False and observed["why"] == f"Prometheus at {dead}: unreachable (ConnectionError)"
    assert detail.json()["upToDate"] is False
    listed = api.get(f"/api/v1/games/{game}/servers").json()
    assert listed["servers"] == [] and listed["observed"]["known"] is False
    page = api.get("/")
    assert page.status_code == 200 and f"observed: unknown — Prometheus at {dead}: unreachable" in page.text
