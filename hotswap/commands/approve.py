"""hotswap approve --game G --region R: recorded in the ledger with who approved."""

from __future__ import annotations

import argparse

from hotswap.commands.promoter_options import actor, add_remote_options, check_game, remote_from
from hotswap.commands.reconcile import print_outcome
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from promoter.decide import DecisionError, decide_approve
from promoter.reconcile import apply_with_retry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--by", help="who approves (default: $HOTSWAP_ACTOR, $GITHUB_ACTOR or the user)")


def run(args: argparse.Namespace) -> int:
    remote = remote_from(args)
    check_game(remote, args.game)
    who = actor(args)
    try:
        outcome = apply_with_retry(remote, args.game, lambda snap, now: decide_approve(snap, now, args.region, who))
    except DecisionError as exc:
        print(f"hotswap: {exc}")
        return EXIT_FINDINGS
    print_outcome(outcome)
    return EXIT_USAGE if outcome.error else EXIT_OK
