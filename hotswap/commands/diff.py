"""hotswap diff BASE HEAD [--format text|json|markdown]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hotswap.commands.common import add_limit_options, limits_from
from hotswap.errors import EXIT_OK, UsageError
from pipeline import gitsource
from pipeline.diff import diff_revisions
from pipeline.diff_format import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", help="base revision (commit, branch, tag)")
    parser.add_argument("head", help="head revision")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.add_argument("--repo", type=Path, default=Path("."), help="git repository, bare or not (default: .)")
    add_limit_options(parser)


def run(args: argparse.Namespace) -> int:
    limits = limits_from(args)
    try:
        repo = gitsource.open_repo(args.repo)
        base = gitsource.resolve(repo, args.base)
        head = gitsource.resolve(repo, args.head)
    except gitsource.GitSourceError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(FORMATS[args.format](diff_revisions(repo, base, head, limits)))
    return EXIT_OK
