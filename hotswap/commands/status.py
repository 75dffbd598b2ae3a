"""hotswap status [--game G] [--format text|json] [--prometheus URL] [--stale-after SECONDS]"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotswap.commands.promoter_options import (
    ENV_PROMETHEUS,
    add_remote_options,
    add_stale_after,
    check_game,
    remote_from,
)
from hotswap.errors import EXIT_OK, UsageError
from pipeline.strategy_names import label as strategy_label
from promoter.evidence_view import describe, evidence_of
from promoter.fleet_reports import PrometheusFleet
from promoter.git import ledger
from promoter.gitio import Remote
from promoter.observed import FleetView, observe
from promoter.reconcile import utc_now
from promoter.status import FORMAT_VERSION, current_release, game_status, progress_bar, release_meta, unobserved


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", help="only this game")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--prometheus", help=f"Prometheus base URL, to show what servers report (env {ENV_PROMETHEUS})")
    add_stale_after(parser)


def run(args: argparse.Namespace) -> int:
    if args.stale_after <= 0:
        raise UsageError("--stale-after must be positive")
    url = args.prometheus or os.environ.get(ENV_PROMETHEUS)
    remote = remote_from(args)
    if args.game:
        check_game(remote, args.game)
    now = utc_now()
    games = [status_of(remote, g, now, url, args.stale_after) for g in ([args.game] if args.game else remote.games())]
    if args.format == "json":
        json.dump({"version": FORMAT_VERSION, "at": now.isoformat(), "games": games}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    # Piped output is not cut to 80 columns: the table stays one line per region.
    width = None if sys.stdout.isatty() else 200
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True, width=width)
    for game in games:
        print_game(console, game)
    return EXIT_OK


def status_of(remote: Remote, game: str, now: datetime, url: str | None, stale_after: float) -> dict[str, Any]:
    snap = remote.snapshot(game)
    fleet: FleetView
    if url:
        fleet = observe(snap, PrometheusFleet(url).observe(game, now), now, stale_after)
    else:
        fleet = unobserved(snap, f"no Prometheus: give --prometheus URL or set {ENV_PROMETHEUS}")
    status = game_status(snap, now, fleet, release_meta(remote, current_release(snap)))
    return status | {"githubRefused": github_refused(remote, game)}


def github_refused(remote: Remote, game: str) -> list[dict[str, str]]:
    """What GitHub refused for good (a 4xx for one item), as the notifier recorded it in the ledger."""
    refused = []
    for record in ledger.records(remote, ledger.GITHUB, game):
        failed = record.get("failed") if isinstance(record, dict) else None
        if isinstance(failed, dict):
            release = str(record.get("release", ""))
            refused += [{"release": release, "item": str(k), "why": str(v)} for k, v in sorted(failed.items())]
    return refused


def _cell(ring: dict[str, Any] | None) -> str:
    if ring is None:
        return "—"
    text = ring["release"] or "∅"
    if ring["rolledBack"]:
        text += f" (reverted {ring['rolledBack']})"
    observed = ring["observed"]
    if observed is not None and observed["servers"]:
        text += f" [{observed['states']['ok']}/{observed['servers']} ok]"
    return str(text)


def _check_line(check: dict[str, Any]) -> str:
    """An old-form check shows its message; a judged one its estimate, bounds, counts and need."""
    if evidence_of(check) is None:
        return f"{check['name']}: {check['verdict']} — {check['message']}"
    return f"{check['name']}: {check['verdict']} — {describe(check)}"


def _gate_lines(game: dict[str, Any]) -> list[str]:
    lines = [f"strategy: {game['strategyWhy']}"] if game.get("strategyWhy") else []
    if game.get("frozenUntil"):
        lines.append(f"frozen until {game['frozenUntil']}: {game['frozenReason']}")
    if game.get("notBefore"):
        lines.append(f"scheduled: not before {game['notBefore']}")
    return lines


def print_game(console: Console, game: dict[str, Any]) -> None:
    console.print(f"[bold]{escape(game['game'])}[/bold]: {escape(game['summary'])}")
    release = game["release"]
    if release["sha"] and release["subject"]:
        console.print(f"  release {release['sha'][:12]} {release['subject']!r} by {release['author']}", markup=False)
    for line in _gate_lines(game):
        console.print(f"  {line}", markup=False)
    rollout = game["rollout"]
    if rollout:
        wait = rollout["nextEvaluationSeconds"]
        nxt = f", next evaluation in {int(wait)}s" if wait is not None else ""
        where = (
            f"{rollout['region']}/{rollout['stage']}" if rollout["stage"] else f"{rollout['region']}/{rollout['step']}%"
        )
        shown = strategy_label(rollout["strategy"])
        strategy = f" {shown}" if shown else ""
        console.print(
            f"  rollout {rollout['id']}{strategy} at {where} ({rollout['state']})  "
            f"{progress_bar(rollout['stepsDone'], rollout['stepsTotal'])}{nxt}",
            markup=False,
        )
        for check in rollout["lastChecks"]:
            console.print(f"    {_check_line(check)}", markup=False)
    percents = sorted({int(p) for region in game["regions"] for p in region["rings"]})
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("region")
    for p in percents:
        table.add_column(f"ring-{p}")
    table.add_column("observed")
    for region in game["regions"]:
        observed = region["observed"]
        seen = "unknown" if observed is None else f"{observed['servers']} servers, {observed['drift']} drift"
        table.add_row(region["name"], *(_cell(region["rings"].get(str(p))) for p in percents), seen)
    console.print(table)
    if game["quarantined"]:
        console.print(f"  quarantined: {', '.join(q[:12] for q in game['quarantined'])}", markup=False)
    for refused in game.get("githubRefused", ()):
        console.print(
            f"  GitHub refused {refused['item']} of {refused['release'][:12]}: {refused['why']}", markup=False
        )
