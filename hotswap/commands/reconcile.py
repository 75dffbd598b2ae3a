"""hotswap reconcile --remote URL --prometheus URL [--once] [--interval SECONDS]"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from hotswap.commands.promoter_options import (
    ENV_PROMETHEUS,
    add_remote_options,
    check_game,
    github_from_env,
    remote_from,
    revert_mode,
)
from hotswap.errors import EXIT_OK, EXIT_USAGE, UsageError
from promoter.github.notifier import Notifier
from promoter.metrics import PrometheusSource
from promoter.reconcile import Outcome, Reconciler, failed, utc_now
from promoter.service.loop import PassLoop


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--prometheus", help=f"Prometheus base URL (env {ENV_PROMETHEUS})")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between passes (default 30)")
    parser.add_argument("--game", action="append", help="only these games (repeatable)")
    parser.add_argument(
        "--no-revert-main",
        action="store_true",
        help="never write main; record that a revert is needed (env HOTSWAP_REVERT_MAIN=0)",
    )


def print_outcome(outcome: Outcome) -> None:
    marker = "!" if outcome.error else ("*" if outcome.wrote else "-")
    print(f"{marker} {outcome.game}: {outcome.summary}")
    for check in outcome.checks:
        print(f"    {check.name}: {check.verdict} — {check.message}")
    sys.stdout.flush()


def print_notify(reconciler: Reconciler) -> None:
    report = reconciler.last_notify
    if report is None or not (report.told or report.pending or report.error):
        return
    line = f"~ GitHub: {report.told} told"
    if report.error:
        line += f", {report.pending} left for the next pass ({report.error})"
    print(line)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    url = args.prometheus or os.environ.get(ENV_PROMETHEUS)
    if not url:
        raise UsageError(f"no Prometheus: give --prometheus URL or set {ENV_PROMETHEUS}")
    if args.interval <= 0:
        raise UsageError("--interval must be positive")
    github = github_from_env()
    remote = remote_from(args)
    for game in args.game or ():
        check_game(remote, game)
    notifier = Notifier(remote, github, utc_now) if github is not None else None
    reconciler = Reconciler(
        remote, PrometheusSource(url), revert_main=revert_mode(args.no_revert_main, github), notifier=notifier
    )

    def one_pass() -> list[Outcome]:
        outcomes = reconciler.run_once(args.game)
        for outcome in outcomes:
            print_outcome(outcome)
        return outcomes

    if args.once:  # what the pass raises is the command's error
        outcomes = one_pass()
        print_notify(reconciler)
        return EXIT_USAGE if any(o.error for o in outcomes) else EXIT_OK

    def retrying(exc: Exception) -> None:  # the daemon never dies of one pass: one line by kind
        print(f"! {failed('*', exc).summary}; retrying", file=sys.stderr)

    # Until the process is stopped (a signal): the stop event is never set.
    PassLoop().run((one_pass, lambda: print_notify(reconciler)), retrying, threading.Event(), args.interval)
    return EXIT_OK
