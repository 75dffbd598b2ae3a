"""hotswap status [--game G] [--format text|json]"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from hotswap.commands.promoter_options import add_remote_options, check_game, remote_from
from hotswap.errors import EXIT_OK
from promoter.reconcile import utc_now
from promoter.status import FORMAT_VERSION, game_status, progress_bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", help="only this game")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    remote = remote_from(args)
    if args.game:
        check_game(remote, args.game)
    now = utc_now()
    games = [game_status(remote.snapshot(g), now) for g in ([args.game] if args.game else remote.games())]
    if args.format == "json":
        json.dump({"version": FORMAT_VERSION, "at": now.isoformat(), "games": games}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    for game in games:
        console.print(f"[bold]{game['game']}[/bold]: {game['summary']}")
        rollout = game["rollout"]
        if rollout:
            wait = rollout["nextEvaluationSeconds"]
            nxt = f", next evaluation in {int(wait)}s" if wait is not None else ""
            console.print(
                f"  rollout {rollout['id']} at {rollout['region']}/{rollout['step']}%  {progress_bar(rollout['stepsDone'], rollout['stepsTotal'])}{nxt}"
            )
            for check in rollout["lastChecks"]:
                console.print(f"    {check['name']}: {check['verdict']} — {check['message']}")
        percents = sorted({int(p) for region in game["regions"] for p in region["rings"]})
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("region")
        for p in percents:
            table.add_column(f"ring-{p}")
        for region in game["regions"]:
            cells = []
            for p in percents:
                ring = region["rings"].get(str(p))
                if ring is None:
                    cells.append("—")
                elif ring["rolledBack"]:
                    cells.append(f"{ring['release'] or '∅'} (reverted {ring['rolledBack']})")
                else:
                    cells.append(ring["release"] or "∅")
            table.add_row(region["name"], *cells)
        console.print(table)
        if game["quarantined"]:
            console.print(f"  quarantined: {', '.join(q[:12] for q in game['quarantined'])}")
    return EXIT_OK
