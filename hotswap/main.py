"""The `hotswap` command: one entry point, one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from hotswap import __version__
from hotswap.errors import EXIT_USAGE, ExitCode, error_handler

# name -> module under hotswap.commands (parsers are built from each module's add_arguments).
COMMANDS = {
    "validate": "Validate config files against schemas and semantic rules.",
    "diff": "Semantic diff of configs between two git revisions.",
    "plan": "Rollout plan for the change between two revisions.",
    "reconcile": "Promote releases ring by ring and region by region, judged on Prometheus.",
    "status": "Where every game's rollout stands.",
    "rollback": "Roll back a game's release on every ring, quarantine it, revert it on main.",
    "approve": "Approve a region gate or a paused step.",
    "event": "Live events: list them, or stop one now everywhere (the kill switch).",
    "report-pr": "Comment validation, diff and plan on a pull request; set the hotswap/validate status.",
    "agent": "Sidecar: keep a directory holding a server's current config.",
    "serve": "The reconcile loop with an HTTP API, a GitHub webhook and /metrics.",
    "simulate": "Run a simulated fleet of real agents with a /metrics endpoint.",
    "demo": "The whole loop on this machine: fleet, Prometheus, promoter, a good and a bad change.",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise ExitCode(EXIT_USAGE)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            print(message, file=sys.stderr, end="")
        raise ExitCode(status)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, the other commands' modules are not imported (start-up time:
    `validate --changed-since` in a pre-commit hook need not load the promoter and its web stack)."""
    parser = _Parser(prog="hotswap", description="GitOps pipeline for live game configuration.")
    parser.add_argument("--version", action="version", version=f"hotswap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if only in (None, name):
            module = importlib.import_module(f"hotswap.commands.{name.replace('-', '_')}")
            module.add_arguments(command_parser)
    return parser


EXIT_BROKEN_PIPE = 1  # as Python's documentation recommends, and as rich does for the tables it prints


def main(argv: Sequence[str] | None = None) -> int:
    result: list[int] = []
    with error_handler(result):
        try:
            words = list(sys.argv[1:] if argv is None else argv)
            command = next((w for w in words if not w.startswith("-")), None)
            args = build_parser(command if command in COMMANDS else None).parse_args(words)
            module = importlib.import_module(f"hotswap.commands.{args.command.replace('-', '_')}")
            result.append(module.run(args))
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's final flush
        except BrokenPipeError:
            # The reader went away (`hotswap status | head -1`): leave quietly. Python's recommended
            # pattern: point stdout at devnull so the interpreter's last flush cannot raise again.
            _stdout_to_devnull()
            result.append(EXIT_BROKEN_PIPE)
    return result[-1] if result else EXIT_USAGE


def _stdout_to_devnull() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by an object with no file descriptor (a test)
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    raise SystemExit(main())
