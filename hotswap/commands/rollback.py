"""hotswap rollback --game G --reason TEXT [--release SHA] [--dry-run]: the same path as an
automatic rollback. Without --release only the rollout in flight is rolled back; undoing a release
that completed must name it."""

from __future__ import annotations

import argparse

from hotswap.commands.promoter_options import (
    actor,
    add_remote_options,
    check_game,
    free_text,
    github_from_env,
    remote_from,
    revert_mode,
)
from hotswap.commands.reconcile import print_outcome
from hotswap.errors import EXIT_OK, EXIT_USAGE, UsageError
from promoter import usecases
from promoter.github.notifier import Notifier
from promoter.reconcile import utc_now


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--game", required=True)
    parser.add_argument("--reason", required=True)
    parser.add_argument(
        "--release",
        help="the release to roll back (sha, 7+ hex): required to undo a release that completed; "
        "without it only the rollout in flight is rolled back",
    )
    parser.add_argument("--dry-run", action="store_true", help="print which refs would move, and move none")
    parser.add_argument("--by", help="who asks (default: $HOTSWAP_ACTOR, $GITHUB_ACTOR or the user)")
    parser.add_argument(
        "--no-revert-main", action="store_true", help="record that main needs a revert instead of writing it"
    )


def run(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise UsageError("--reason must say why")
    reason, by = free_text("--reason", args.reason), actor(args)
    github = github_from_env()
    mode = revert_mode(args.no_revert_main, github)
    remote = remote_from(args)
    check_game(remote, args.game)
    result = usecases.rollback(remote, args.game, reason, by, args.release, revert_main=mode, dry_run=args.dry_run)
    if args.dry_run:
        print(f"dry run: {result.outcome.summary}")
        for move in result.moves:
            print(f"  {move.ref}" + (f" (now {move.old[:12]})" if move.old else "") + f": {move.what}")
        return EXIT_OK
    print_outcome(result.outcome)
    if github is not None and result.outcome.wrote:
        # The revert pull request and the deployments' failure now, not at the next reconcile pass.
        report = Notifier(remote, github, utc_now).run([args.game])
        print(f"~ GitHub: {report.told} told" + (f"; the rest next pass ({report.error})" if report.error else ""))
    return EXIT_USAGE if result.outcome.error else EXIT_OK
