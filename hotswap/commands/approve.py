"""hotswap approve --game G --region R [--release SHA]: recorded in the ledger with who approved."""

from __future__ import annotations

import argparse

from hotswap.commands.promoter_options import actor, add_remote_options, check_game, remote_from
from hotswap.commands.reconcile import print_outcome
from hotswap.errors import EXIT_OK, EXIT_USAGE
from promoter import usecases


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--release", help="approve only if this release (sha, 7+ hex) is the one waiting")
    parser.add_argument("--by", help="who approves (default: $HOTSWAP_ACTOR, $GITHUB_ACTOR or the user)")


def run(args: argparse.Namespace) -> int:
    by = actor(args)  # before any fetch: a refused --by leaves with one line
    remote = remote_from(args)
    check_game(remote, args.game)
    result = usecases.approve(remote, args.game, args.region, by, args.release)
    print_outcome(result.outcome)
    return EXIT_USAGE if result.outcome.error else EXIT_OK
