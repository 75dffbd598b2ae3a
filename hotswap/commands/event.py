"""hotswap event list [--game G] [--format text|json]
hotswap event stop --game G --event NAME --reason TEXT: the kill switch (README "Live events")."""

from __future__ import annotations

import argparse
import json
import sys

from hotswap.commands.promoter_options import (
    actor,
    add_remote_options,
    check_game,
    free_text,
    github_from_env,
    remote_from,
)
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from promoter.event_list import game_events, text_lines
from promoter.event_stop import pull_text, stop_event
from promoter.github.port import GitHubUnavailable
from promoter.reconcile import utc_now


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="every live event: scheduled, active or ended, per region")
    add_remote_options(listing)
    listing.add_argument("--game", help="only this game")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    stop = sub.add_parser("stop", help="end a live event now everywhere (expedited, recorded, revertible)")
    add_remote_options(stop)
    stop.add_argument("--game", required=True)
    stop.add_argument("--event", required=True, help="the LiveEvent's metadata.name")
    stop.add_argument("--reason", required=True)
    stop.add_argument("--by", help="who asks (default: $HOTSWAP_ACTOR, $GITHUB_ACTOR or the user)")


def run(args: argparse.Namespace) -> int:
    return _list(args) if args.action == "list" else _stop(args)


def _list(args: argparse.Namespace) -> int:
    remote = remote_from(args)
    if args.game:
        check_game(remote, args.game)
    now = utc_now()
    listings = [game_events(remote, g, now) for g in ([args.game] if args.game else remote.games())]
    # an event file main holds but nobody can read is a finding: listed, and the exit code says so
    code = EXIT_FINDINGS if any(listing["problems"] for listing in listings) else EXIT_OK
    if args.format == "json":
        json.dump({"version": 1, "games": listings}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return code
    for listing in listings:
        print("\n".join(text_lines(listing)))
    return code


def _stop(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise UsageError("--reason must say why")
    reason, by = free_text("--reason", args.reason), actor(args)
    github = github_from_env()
    remote = remote_from(args)
    check_game(remote, args.game)
    result = stop_event(remote, args.game, args.event, reason, by, pull_request=github is not None)
    print(f"{args.game}: {result.summary}")
    for ref in result.refs:
        print(f"  {ref}")
    if github is not None and result.changed and result.record.pull:
        try:
            pull = github.open_pull(result.record.pull, "main", *pull_text(result))
        except GitHubUnavailable as exc:
            print(f"~ GitHub: {exc}; open a pull request from {result.record.pull} to main")
        else:
            print(f"~ GitHub: pull request #{pull.number} {pull.url}")
    return EXIT_OK
