"""hotswap demo [--keep DIR] [--timeout SECONDS]: the whole loop on this machine.

A bare repository seeded from configs/ is the remote, a simulated fleet of real agents follows its
ring branches, a local Prometheus scrapes the fleet, and the promoter (with a demo policy whose
intervals are seconds) rolls out a harmless balance change through every ring and region, then
catches a harmful one at the first ring, reverts it everywhere it reached, quarantines it and
reverts it on main. Exit 0 only if both outcomes happened.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.simulator import Fleet
from contract.refs import ring_ref
from contract.trailers import RELEASE
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, EnvironmentProblem
from pipeline.schemas import PACKAGED_SCHEMAS
from promoter.evidence_view import describe
from promoter.git import ledger
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Outcome, Reconciler

GAME = "battle-royale"
REGIONS = ["NA-WEST", "NA-EAST", "EU-WEST", "EU-EAST", "APAC"]
RINGS = [10, 50, 90, 100]
SERVERS_PER_REGION = 40
# A large game (ten times the simulator's mid-size default) at 800 times real time: a 3-second
# interval holds ~40 minutes of play, some 1,700 churn events on a 10% cohort once its servers have
# swapped, above the ~1,100 the judge needs at the shipped tolerances to pass a step in one interval.
PLAYERS_PER_SERVER = 25_000
SPEED = 800.0
# A live event the seed schedules to start this long after the demo begins: the servers switch it on
# by their own clocks at that instant, while the rollouts run, with no deploy.
EVENT = "winter-festival"
EVENT_STARTS_AFTER = timedelta(seconds=25)
POLICY = Path(__file__).with_name("demo_policy.yaml")
GIT = ["git", "-c", "user.name=Live Ops", "-c", "user.email=liveops@studio.example"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep", type=Path, help="build everything in DIR and leave the remote and Prometheus data there"
    )
    parser.add_argument("--timeout", type=float, default=150.0, help="seconds each phase may take (default 150)")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Demo:
    def __init__(self, root: Path, console: Console, timeout: float) -> None:
        self.root = root
        self.console = console
        self.timeout = timeout
        self.work = root / "work"
        self.remote_path = root / "remote.git"
        self.log: list[str] = []
        self.event_start = datetime.now(UTC)

    # --- setting up -----------------------------------------------------------------------------

    def seed(self) -> None:
        repo_root = PACKAGED_SCHEMAS.resolve().parent  # the checkout: the bundled schemas link to its schemas/
        self.work.mkdir(parents=True)
        shutil.copytree(repo_root / "configs", self.work / "configs")
        shutil.copytree(PACKAGED_SCHEMAS, self.work / "schemas")
        shutil.copy(POLICY, self.work / "configs" / GAME / "rollout-policy.yaml")
        self.event_start = (datetime.now(UTC) + EVENT_STARTS_AFTER).replace(microsecond=0)
        event = self.work / "configs" / GAME / "events" / f"{EVENT}.yaml"
        text = event.read_text()
        start = next(line for line in text.splitlines() if line.strip().startswith("start:"))
        event.write_text(text.replace(start, f'  start: "{self.event_start:%Y-%m-%dT%H:%M:%SZ}"', 1))
        _git(self.work, "init", "-q", "-b", "main")
        _git(self.work, "add", "-A")
        _git(self.work, "commit", "-q", "-m", "Season 7 configs, demo rollout policy")
        subprocess.run(["git", "clone", "-q", "--bare", str(self.work), str(self.remote_path)], check=True)

    def start_prometheus(self, binary: str, port: int, target_port: int, stack: ExitStack) -> str:
        prom_dir = self.root / "prometheus"
        prom_dir.mkdir()
        (prom_dir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
        )
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={prom_dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={prom_dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(prom_dir / "prometheus.log").open("ab"),
        )

        def stop() -> None:
            process.terminate()
            process.wait(timeout=30)

        stack.callback(stop)
        url = f"http://127.0.0.1:{port}"
        if not self._wait(lambda: _has_data(url, f'hotswap_players_active{{game="{GAME}"}}'), 60):
            raise EnvironmentProblem(f"Prometheus at {url} never scraped the fleet (see {prom_dir / 'prometheus.log'})")
        return url

    # --- the story --------------------------------------------------------------------------------

    def commit_change(self, old: str, new: str, message: str) -> str:
        _git(self.work, "pull", "-q", "--rebase", str(self.remote_path), "main")
        weapons = self.work / "configs" / GAME / "balance" / "weapons.yaml"
        text = weapons.read_text()
        assert old in text
        weapons.write_text(text.replace(old, new, 1))
        _git(self.work, "commit", "-q", "-am", message)
        _git(self.work, "push", "-q", str(self.remote_path), "main")
        sha = _git(self.work, "rev-parse", "HEAD")
        self.say(f"[bold]commit {sha[:12]}[/bold] on main: {message}")
        return sha

    def say(self, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.console.print(f"[dim]{stamp}[/dim] {line}")

    def report(self, outcomes: list[Outcome], release: str | None = None) -> None:
        for outcome in outcomes:
            if outcome.game != GAME or not outcome.wrote:
                continue
            self.say(f"promoter: {outcome.summary}")
            if release:
                self.console.print(f"           {self.progress(release)}")
            for check in outcome.checks:
                style = {"critical": "red", "warning": "yellow", "pass": "green"}.get(check.verdict, "dim")
                self.console.print(f"           [{style}]{check.verdict}[/{style}] {escape(describe(check.as_json()))}")

    def rings(self) -> dict[tuple[str, int], str]:
        out: dict[tuple[str, int], str] = {}
        for region in REGIONS:
            for ring in RINGS:
                ref = ring_ref(GAME, region, ring).removeprefix("refs/heads/")
                log = _git(self.remote_path, "log", "-1", f"--format=%(trailers:key={RELEASE},valueonly)", ref)
                out[(region, ring)] = log.strip()[:12]
        return out

    def progress(self, release: str) -> str:
        """One line: per region, a mark per ring, filled where the ring carries the release."""
        current = self.rings()
        return "  ".join(
            f"{region} " + "".join("█" if current[(region, ring)] == release[:12] else "░" for ring in RINGS)
            for region in REGIONS
        )

    def table(self, names: dict[str, str]) -> Table:
        table = Table(title="battle-royale: what each ring serves", box=None, header_style="bold")
        table.add_column("region")
        for ring in RINGS:
            table.add_column(f"ring-{ring}")
        current = self.rings()
        for region in REGIONS:
            cells = [names.get(current[(region, ring)], current[(region, ring)]) for ring in RINGS]
            table.add_row(region, *cells)
        return table

    def drive(self, reconciler: Reconciler, release: str, done: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            self.report(reconciler.run_once([GAME]), release)
            if done():
                return True
            time.sleep(1.0)
        return False

    def _wait(self, predicate: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.5)
        return False

    def ledger(self, path: str) -> dict[str, Any] | None:
        try:
            text = _git(self.remote_path, "show", f"hotswap/ledger:{path}")
        except subprocess.CalledProcessError:
            return None
        data: dict[str, Any] = json.loads(text)
        return data

    def events(self, release: str) -> list[dict[str, Any]]:
        record = self.ledger(ledger.rollout_path(GAME, release))
        return list(record["events"]) if record else []


def _has_data(url: str, query: str) -> bool:
    try:
        body = requests.get(f"{url}/api/v1/query", params={"query": query}, timeout=2).json()
    except (requests.RequestException, ValueError):
        return False
    return bool(body.get("data", {}).get("result"))


def run(args: argparse.Namespace) -> int:
    binary = os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus")
    if not binary:
        raise EnvironmentProblem("hotswap demo needs Prometheus: apt-get install prometheus (or set PROMETHEUS_BIN)")
    console = Console(highlight=False)
    with ExitStack() as stack:
        root = _workdir(args.keep, stack)
        demo = Demo(root, console, args.timeout)
        started = time.monotonic()
        demo.seed()
        demo.say(f"remote {demo.remote_path} seeded from configs/ (demo policy: steps of seconds)")

        prom_port = _free_port()
        reconciler = Reconciler(
            Remote(str(demo.remote_path), root / "promoter-cache"),
            PrometheusSource(f"http://127.0.0.1:{prom_port}", timeout=5),
        )
        demo.report(reconciler.run_once())  # bootstrap: every ring gets the current configs, no metrics needed
        bootstrap = _git(demo.remote_path, "rev-parse", "main")
        fleet, port, stop = _start_fleet(demo, stack)
        prom_url = demo.start_prometheus(binary, prom_port, port, stack)
        demo.say(f"Prometheus {prom_url} scraping the fleet every second")

        demo.say(f"live event {EVENT} scheduled to start at {demo.event_start:%H:%M:%S} UTC on every server's clock")
        went_live: list[float] = []  # seconds after its start when the last server had it on
        watcher = threading.Thread(target=_watch_event, args=(demo, fleet, stop, went_live), daemon=True)
        watcher.start()
        names = {bootstrap[:12]: f"{bootstrap[:7]} (season 7)"}
        good = demo.commit_change("damage: 45", "damage: 48", "Balance patch 7.1: rifle damage 45 -> 48")
        names[good[:12]] = f"[green]{good[:7]} (7.1)[/green]"
        tag = f"refs/tags/release/{GAME}/{good[:12]}"
        walked = demo.drive(reconciler, good, lambda: _tag_exists(demo.remote_path, tag))
        console.print(demo.table(names))

        bad = demo.commit_change("damage: 48", "damage: 140", "Balance patch 7.2: rifle damage 48 -> 140")
        names[bad[:12]] = f"[red]{bad[:7]} (7.2)[/red]"

        rolled_back = demo.drive(reconciler, bad, lambda: any(e["type"] == "main-revert" for e in demo.events(bad)))
        console.print(demo.table(names))

        watcher.join(timeout=max(0.0, (demo.event_start - datetime.now(UTC)).total_seconds() + 5))
        checks = _checks(demo, good, bad, walked=walked, rolled_back=rolled_back, went_live=went_live)
        console.print("\n[bold]Summary[/bold]")
        for what, ok in checks.items():
            console.print(f"  {'[green]✓[/green]' if ok else '[red]✗[/red]'} {what}")
        console.print(f"  took {time.monotonic() - started:.0f} s")
        if args.keep:
            console.print(f"  kept in {root}: remote.git, prometheus/data, work/")
        return EXIT_OK if all(checks.values()) else EXIT_FINDINGS


def _workdir(keep: Path | None, stack: ExitStack) -> Path:
    """`--keep DIR` (empty or new, left behind), or a temporary directory removed at the end."""
    if keep:
        root = keep.resolve()
        if root.exists() and any(root.iterdir()):
            raise EnvironmentProblem(f"--keep {root} must be empty or not exist")
        root.mkdir(parents=True, exist_ok=True)
        return root
    root = Path(tempfile.mkdtemp(prefix="hotswap-demo-"))
    stack.callback(shutil.rmtree, root, True)
    return root


def _start_fleet(demo: Demo, stack: ExitStack) -> tuple[Fleet, int, threading.Event]:
    """The simulated fleet, its metrics port, and the event that stops it (set when the demo ends)."""
    fleet = Fleet(
        str(demo.remote_path),
        GAME,
        REGIONS,
        SERVERS_PER_REGION,
        players_per_server=PLAYERS_PER_SERVER,
        speed=SPEED,
    )
    port = fleet.serve()
    stop = threading.Event()
    stack.callback(stop.set)
    threading.Thread(target=fleet.run, args=(stop,), daemon=True).start()
    demo.say(
        f"fleet: {len(fleet.servers)} servers in {len(REGIONS)} regions, each a real agent, metrics on :{port};"
        f" {PLAYERS_PER_SERVER:,} players a server at {SPEED:,.0f}x real time"
    )
    return fleet, port, stop


def _watch_event(demo: Demo, fleet: Fleet, stop: threading.Event, went_live: list[float]) -> None:
    """Appends to `went_live` how late after its start the last server had the live event on."""
    while not stop.is_set() and not went_live:
        on = sum(
            1
            for server in fleet.servers
            if (schedule := server.agent.events()) is not None and any(p.event.name == EVENT for p in schedule.active)
        )
        if on == len(fleet.servers):
            late = (datetime.now(UTC) - demo.event_start).total_seconds()
            went_live.append(late)
            demo.say(f"live event {EVENT} active on all {on} servers {late:.2f} s after its start (nothing deployed)")
        time.sleep(0.2)


def _checks(
    demo: Demo, good: str, bad: str, *, walked: bool, rolled_back: bool, went_live: list[float]
) -> dict[str, bool]:
    """What the demo shows, each read off the remote, the ledger and the servers."""
    deploys = [e for e in demo.events(bad) if e["type"] == "deploy"]
    rings_now = demo.rings()
    main_tree = _git(demo.remote_path, "rev-parse", f"main:configs/{GAME}")
    good_tree = _git(demo.remote_path, "rev-parse", f"{good}:configs/{GAME}")
    return {
        "harmless change reached every ring of every region and was tagged": walked
        and all(rev == good[:12] for rev in rings_now.values()),
        "harmful change caught at the first ring": rolled_back
        and [(d["region"], d["step"]) for d in deploys] == [("NA-WEST", 10)],
        "reverted everywhere it reached": all(rev != bad[:12] for rev in rings_now.values()),
        "quarantined with the evidence": demo.ledger(ledger.quarantine_path(GAME, bad)) is not None,
        "reverted on main": main_tree == good_tree,
        # By the servers' own clocks, within a second of its start; no ref is written for it.
        f"live event {EVENT} went live on every server at its start": bool(went_live) and went_live[0] < 1.0,
    }


def _tag_exists(remote: Path, tag: str) -> bool:
    return (
        subprocess.run(
            ["git", "--git-dir", str(remote), "rev-parse", "-q", "--verify", tag], capture_output=True, check=False
        ).returncode
        == 0
    )
