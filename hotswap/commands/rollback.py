"""hotswap rollback --game G --reason TEXT: the same path as an automatic rollback."""

from __future__ import annotations

import argparse

from hotswap.commands.promoter_options import actor, add_remote_options, check_game, remote_from
from hotswap.commands.reconcile import print_outcome
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from promoter.decide import DecisionError, decide_rollback
from promoter.reconcile import apply_with_retry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", required=True)
    parser.add_argument("--reason", required=True)
    parser.add_argument("--by", help="who asks (default: $HOTSWAP_ACTOR, $GITHUB_ACTOR or the user)")
    parser.add_argument(
        "--no-revert-main", action="store_true", help="record that main needs a revert instead of writing it"
    )


def run(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise UsageError("--reason must say why")
    remote = remote_from(args)
    check_game(remote, args.game)
    who = actor(args)
    try:
        outcome = apply_with_retry(
            remote,
            args.game,
            lambda snap, now: decide_rollback(snap, now, args.reason, who),
            revert_main=not args.no_revert_main,
        )
    except DecisionError as exc:
        print(f"hotswap: {exc}")
        return EXIT_FINDINGS
    print_outcome(outcome)
    return EXIT_USAGE if outcome.error else EXIT_OK
