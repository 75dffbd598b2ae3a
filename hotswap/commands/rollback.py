"""hotswap rollback --game G --reason TEXT: the same path as an automatic rollback."""

from __future__ import annotations

import argparse

from hotswap.commands.promoter_options import (
    actor,
    add_remote_options,
    check_game,
    github_from_env,
    remote_from,
    revert_mode,
)
from hotswap.commands.reconcile import print_outcome
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from promoter.decide import DecisionError, decide_rollback
from promoter.github.notifier import Notifier
from promoter.reconcile import apply_with_retry, utc_now


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
    github = github_from_env()
    mode = revert_mode(args.no_revert_main, github)
    remote = remote_from(args)
    check_game(remote, args.game)
    who = actor(args)
    try:
        outcome = apply_with_retry(
            remote,
            args.game,
            lambda snap, now: decide_rollback(snap, now, args.reason, who),
            revert_main=mode,
        )
    except DecisionError as exc:
        print(f"hotswap: {exc}")
        return EXIT_FINDINGS
    print_outcome(outcome)
    if github is not None and outcome.wrote:
        # The revert pull request and the deployments' failure now, not at the next reconcile pass.
        report = Notifier(remote, github, utc_now).run([args.game])
        print(f"~ GitHub: {report.told} told" + (f"; the rest next pass ({report.error})" if report.error else ""))
    return EXIT_USAGE if outcome.error else EXIT_OK
