"""hotswap approve --game G --region R [--release SHA]: recorded in the ledger with who approved.
hotswap approve --game G --lift-freeze --reason TEXT [--release SHA]: lift the freeze that holds
the game's release (the way out of a mistaken freeze), recorded in the ledger with who and why."""

from __future__ import annotations

import argparse

from hotswap.commands.promoter_options import actor, add_remote_options, check_game, free_text, remote_from
from hotswap.commands.reconcile import print_outcome
from hotswap.errors import EXIT_OK, EXIT_USAGE, UsageError
from promoter import freeze_lift, usecases


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", required=True)
    parser.add_argument("--region", help="the region whose gate or paused step is approved")
    parser.add_argument("--release", help="approve only if this release (sha, 7+ hex) is the one waiting")
    parser.add_argument("--by", help="who approves (default: $HOTSWAP_ACTOR, $GITHUB_ACTOR or the user)")
    parser.add_argument(
        "--lift-freeze",
        action="store_true",
        help="lift the freeze window(s) in force for the game's release (needs --reason)",
    )
    parser.add_argument("--reason", help="why the freeze is lifted (with --lift-freeze)")


def run(args: argparse.Namespace) -> int:
    region: str | None = args.region
    reason: str = free_text("--reason", (args.reason or "").strip())
    by = actor(args)  # before any fetch: a refused --by or --reason leaves with one line
    if args.lift_freeze:
        if region is not None:
            raise UsageError("--lift-freeze lifts the game's freeze; it takes no --region")
        if not reason:
            raise UsageError("--lift-freeze needs --reason TEXT: why the freeze is lifted")
    elif region is None:
        raise UsageError("--region is required (or --lift-freeze --reason TEXT)")
    elif args.reason is not None:
        raise UsageError("--reason goes with --lift-freeze")
    remote = remote_from(args)
    check_game(remote, args.game)
    if region is None:
        result = freeze_lift.lift_freeze(remote, args.game, reason, by, args.release)
    else:
        result = usecases.approve(remote, args.game, region, by, args.release)
    print_outcome(result.outcome)
    return EXIT_USAGE if result.outcome.error else EXIT_OK
