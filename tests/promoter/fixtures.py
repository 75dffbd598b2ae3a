"""Real parts for promoter tests: a Prometheus process scraping a test exporter, bare git remotes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from tests.conftest import REPO_ROOT, RunCli, git

METRICS = ("hotswap_test_players", "hotswap_test_errors", "hotswap_test_latency")
DEFAULTS = {"hotswap_test_players": 100.0, "hotswap_test_errors": 1.0, "hotswap_test_latency": 100.0}
# Counters of the metrics contract a test can drive, by the short name `Fleet.count` takes.
COUNTERS = {
    "player_seconds": "hotswap_player_seconds_total",
    "churned": "hotswap_players_churned_total",
    "complaints": "hotswap_player_complaints_total",
    "crashes": "hotswap_server_crashes_total",
}
LABELS = ["game", "region", "server", "config_revision"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Behaviour:
    """What the fake fleet reports: per (game, revision12), per metric; None leaves the series out."""

    values: dict[tuple[str, str], dict[str, float | None]] = field(default_factory=dict)
    regions: tuple[str, ...] = ("NA-WEST", "EU-WEST")
    # per (game, revision12), per counter: (increase per second, value at `since`, since)
    counters: dict[tuple[str, str], dict[str, tuple[float, float, float]]] = field(default_factory=dict)
    # registries of real agents a test runs, exported as they are (their `hotswap_agent_*` series)
    registries: list[CollectorRegistry] = field(default_factory=list)

    def set(self, game: str, revision: str, **metrics: float | None) -> None:
        row = self.values.setdefault((game, revision[:12]), dict(DEFAULTS))
        for short, value in metrics.items():
            row[f"hotswap_test_{short}"] = value

    def count(self, game: str, revision: str, **per_second: float) -> None:
        """Counters that grow deterministically at these rates from now on (Poisson-free)."""
        row = self.counters.setdefault((game, revision[:12]), {})
        now = time.time()
        for short, rate in per_second.items():
            name = COUNTERS[short]
            row[name] = (rate, counter_value(row.get(name), now), now)


def counter_value(state: tuple[float, float, float] | None, now: float) -> float:
    if state is None:
        return 0.0
    rate, base, since = state
    return base + rate * max(0.0, now - since)


class _Collector:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    def collect(self) -> Iterator[Metric]:
        for name in METRICS:
            family = GaugeMetricFamily(name, name, labels=["game", "region", "server", "config_revision"])
            for (game, revision), row in list(self.behaviour.values.items()):
                value = row.get(name)
                if value is None:
                    continue
                for region in self.behaviour.regions:
                    family.add_metric([game, region, f"{region.lower()}-1", revision], value)
            yield family
        now = time.time()
        for name in COUNTERS.values():
            counter = CounterMetricFamily(name, name, labels=LABELS)
            for (game, revision), rates in list(self.behaviour.counters.items()):
                if name in rates:
                    for region in self.behaviour.regions:
                        server = [game, region, f"{region.lower()}-1", revision]
                        counter.add_metric(server, counter_value(rates[name], now))
            yield counter
        for registry in list(self.behaviour.registries):
            yield from registry.collect()


def _prometheus_binary() -> str | None:
    return os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus")


class PrometheusProcess:
    def __init__(self, workdir: Path, target_port: int) -> None:
        binary = _prometheus_binary()
        if binary is None:
            if os.environ.get("CI"):
                pytest.fail("prometheus is not installed (scripts/setup.sh installs the Debian package)")
            pytest.skip("prometheus is not installed")
        self.binary = binary
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: fleet\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n"
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "prometheus.log").open("ab"),
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def wait_for(self, query: str, timeout: float = 30.0) -> None:
        """Prometheus 2.42 waits a few seconds before its first scrape: poll until the data is there."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                body = requests.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=2).json()
                if body.get("data", {}).get("result"):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.3)
        raise AssertionError(f"no data for {query!r} after {timeout}s")


@dataclass
class Fleet:
    behaviour: Behaviour
    prometheus: PrometheusProcess
    exporter_port: int

    @property
    def url(self) -> str:
        return self.prometheus.url

    def expose(self, game: str, revision: str, **metrics: float | None) -> None:
        """Set what the fleet reports for a revision and wait until Prometheus has scraped it."""
        self.behaviour.set(game, revision, **metrics)
        for name, value in self.behaviour.values[(game, revision[:12])].items():
            if value is not None:
                self.prometheus.wait_for(f'{name}{{game="{game}",config_revision="{revision[:12]}"}} == {value}')

    def count(self, game: str, revision: str, **per_second: float) -> None:
        """Set per-second counter rates for a revision and wait until Prometheus has two samples."""
        self.behaviour.count(game, revision, **per_second)
        for short in per_second:
            selector = f'{COUNTERS[short]}{{game="{game}",config_revision="{revision[:12]}"}}'
            self.prometheus.wait_for(f"count_over_time({selector}[1m]) >= 2")

    @contextlib.contextmanager
    def relaying(self, registries: list[CollectorRegistry]) -> Iterator[None]:
        """Prometheus scrapes these agents' registries too (what `status` reads), until the block ends."""
        self.behaviour.registries.extend(registries)
        try:
            yield
        finally:
            for registry in registries:
                self.behaviour.registries.remove(registry)


def start_fleet(workdir: Path) -> Fleet:
    behaviour = Behaviour()
    behaviour.set("warmup", "0" * 12)
    registry = CollectorRegistry()
    registry.register(_Collector(behaviour))
    server, _ = start_http_server(0, addr="127.0.0.1", registry=registry)
    prometheus = PrometheusProcess(workdir, server.server_port)
    prometheus.wait_for('hotswap_test_players{game="warmup"}')
    return Fleet(behaviour, prometheus, server.server_port)


POLICY = """apiVersion: hotswap/v1
kind: RolloutPolicy
metadata: {{name: rollout, game: {game}, version: 1.0.0}}
spec:
  strategy: canary
  rings: [10, 50, 100]
  regions:
    - {{name: NA-WEST, steps: [10, 50, 100], interval: PT1S}}
    - {{name: EU-WEST, steps: [100], interval: PT1S{approval}}}
  analysis:
    inconclusiveLimit: 2
    errorLimit: 2
    exposure:
      query: sum(hotswap_test_players{{game="{{{{game}}}}",region="{{{{region}}}}",config_revision="{{{{revision}}}}"}})
      minimum: 10
    checks:
      - name: errors
        query: max(hotswap_test_errors{{game="{{{{game}}}}",region="{{{{region}}}}",config_revision="{{{{revision}}}}"}})
        baseline: max(hotswap_test_errors{{game="{{{{game}}}}",region="{{{{region}}}}",config_revision="{{{{baseline}}}}"}})
        critical: {{relativeIncrease: 0.5}}
      - name: latency
        query: max(hotswap_test_latency{{game="{{{{game}}}}",region="{{{{region}}}}",config_revision="{{{{revision}}}}"}})
        warning: {{above: 200}}
"""

BALANCE = """apiVersion: hotswap/v1
kind: GameBalance
metadata: {{name: balance, game: {game}, version: 1.0.0}}
spec:
  weapons:
    rifle: {{damage: {damage}, fireRate: 600, reloadTime: 2, range: 100, magazine: 30}}
"""


@dataclass
class GameRepo:
    """A work clone and its bare remote holding one test game."""

    game: str
    work: Path
    remote: Path

    @property
    def url(self) -> str:
        return str(self.remote)

    def commit(self, damage: int | None = None, message: str = "change", files: dict[str, str] | None = None) -> str:
        git(self.work, "pull", "-q", "--rebase", str(self.remote), "main")
        if damage is not None:
            (self.work / f"configs/{self.game}/balance.yaml").write_text(BALANCE.format(game=self.game, damage=damage))
        for path, text in (files or {}).items():
            (self.work / path).write_text(text)
        git(self.work, "commit", "-q", "-am", message)
        git(self.work, "push", "-q", str(self.remote), "main")
        return git(self.work, "rev-parse", "HEAD")

    def refs(self) -> dict[str, str]:
        out = git(self.remote, "for-each-ref", "--format=%(refname) %(objectname)")
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def trailers(self, ref: str) -> dict[str, str]:
        out = git(self.remote, "log", "-1", "--format=%(trailers:only,unfold)", ref)
        return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)

    def ledger(self, release: str) -> dict[str, Any]:

        text = git(self.remote, "show", f"refs/heads/hotswap/ledger:rollouts/{self.game}/{release}.json")
        data: dict[str, Any] = json.loads(text)
        return data

    def events(self, release: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.ledger(release)["events"]
        return events


def make_game_repo(root: Path, game: str, approval: bool = False, policy: str = POLICY) -> GameRepo:
    work = root / f"{game}-work"
    (work / "configs" / game).mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "schemas", work / "schemas")
    (work / f"configs/{game}/rollout-policy.yaml").write_text(
        policy.format(game=game, approval=", approval: required" if approval else "")
    )
    (work / f"configs/{game}/balance.yaml").write_text(BALANCE.format(game=game, damage=45))
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "initial configs")
    remote = root / f"{game}.git"
    git(root, "clone", "-q", "--bare", str(work), str(remote))
    # Every push the remote receives is logged, one block per push: "one push" is checked against it.
    hook = remote / "hooks" / "post-receive"
    hook.write_text(f"#!/bin/sh\ncat >> '{remote}/pushes.log'\necho --- >> '{remote}/pushes.log'\n")
    hook.chmod(0o755)
    return GameRepo(game, work, remote)


def bootstrap(tmp_path: Path, repo: GameRepo, prometheus: str) -> Reconciler:
    """A reconciler of `repo` reading `prometheus`, after its first pass: the bootstrap of the game."""
    reconciler = Reconciler(Remote(repo.url, tmp_path / "cache"), PrometheusSource(prometheus, timeout=5))
    (outcome,) = reconciler.run_once([repo.game])
    assert outcome.summary.startswith("bootstrap"), outcome
    return reconciler


def pushes(repo: GameRepo) -> list[list[str]]:
    log = repo.remote / "pushes.log"
    if not log.exists():
        return []
    blocks = log.read_text().split("---\n")
    return [[line.split()[2] for line in block.splitlines() if line.strip()] for block in blocks if block.strip()]


def drive(step: Callable[[], Any], until: Callable[[], bool], timeout: float = 60.0, pause: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    seen: list[Any] = []
    while time.monotonic() < deadline:
        seen.append(step())
        if until():
            return
        time.sleep(pause)
    raise AssertionError(f"the condition was not reached in time; the last steps gave: {seen[-5:]}")


def slip_under(repo: GameRepo, ref: str, files: dict[str, str], release: str) -> None:
    """Rewrite `ref`'s history so that, beneath its tip, a commit written by hand (or by an older
    version) carries `release` with these files changed: the tree a rollback of the tip goes back to.
    The tip keeps its tree and message."""
    import pygit2

    bare = pygit2.Repository(str(repo.remote))
    tip = bare.references[ref].peel(pygit2.Commit)
    below = tip.parents[0]
    tree = bare.TreeBuilder(below.tree)
    for path, text in files.items():
        tree.insert(path, bare.create_blob(text.encode()), pygit2.GIT_FILEMODE_BLOB)
    sig = pygit2.Signature("someone", "someone@example.com")
    message = f"by hand\n\nHotswap-Release: {release}\n"
    under = bare.create_commit(None, sig, sig, message, tree.write(), [below.id])
    again = bare.create_commit(None, tip.author, tip.committer, tip.message, tip.tree_id, [under])
    bare.references[ref].set_target(again)


RINGS = [("NA-WEST", 10), ("NA-WEST", 50), ("NA-WEST", 100), ("EU-WEST", 10), ("EU-WEST", 50), ("EU-WEST", 100)]


def ring(game: str, region: str, percent: int) -> str:
    return f"refs/heads/deploy/{game}/{region}/ring-{percent}"


def bootstrapped(tmp_path: Path, fleet: Fleet, game: str, approval: bool = False) -> tuple[GameRepo, Reconciler, str]:
    repo = make_game_repo(tmp_path, game, approval)
    first = git(repo.work, "rev-parse", "HEAD")
    fleet.expose(game, first)
    return repo, bootstrap(tmp_path, repo, fleet.url), first


def carries(repo: GameRepo, release: str, rings: list[tuple[str, int]]) -> bool:
    return all(repo.trailers(ring(repo.game, r, p)).get("Hotswap-Release") == release for r, p in rings)


def approve(run_cli: RunCli, repo: GameRepo, cache: Path, region: str, by: str | None = None) -> tuple[int, str]:
    argv = ["approve", "--remote", repo.url, "--cache", str(cache), "--game", repo.game, "--region", region]
    code, out, _ = run_cli([*argv, "--by", by] if by else argv)
    return code, out


def types(repo: GameRepo, release: str) -> list[str]:
    return [e["type"] for e in repo.events(release)]


HUGE = "9" * 5000  # int() refuses strings over 4,300 digits


EVENT = """apiVersion: hotswap/v1
kind: LiveEvent
metadata: {{name: festival, game: {game}, version: 1.0.0}}
spec:
  displayName: Festival  # shown in the lobby
  start: "{start}"
  end: "{end}"
  regions: [NA-WEST, EU-WEST]
  windows:
    - {{region: EU-WEST, start: '{start}', end: '{later}'}}
"""
