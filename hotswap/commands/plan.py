"""hotswap plan [--game G] [--base REV] [--head REV] [--format text|json|markdown]"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import pygit2

from hotswap.commands.common import add_limit_options, limits_from, schemas_from
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, EnvironmentProblem, UsageError
from pipeline import gitsource
from pipeline.event_plan import event_warnings
from pipeline.plan import plan_revisions
from pipeline.plan_format import FORMATS
from pipeline.schemas import SchemaLoadError, SchemaSet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--game", help="only this game")
    parser.add_argument("--base", help="base revision (default: per game, its last release tag, else HEAD~1)")
    parser.add_argument("--head", default="HEAD", help="head revision (default: HEAD)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.add_argument("--repo", type=Path, default=Path("."), help="git repository, bare or not (default: .)")
    parser.add_argument("--schemas", type=Path, help="schema directory (default: <repo>/schemas)")
    add_limit_options(parser)


def _schemas(args: argparse.Namespace, repo: pygit2.Repository, head: pygit2.Commit) -> SchemaSet:
    """The head revision's own schemas, unless --schemas says otherwise."""
    if args.schemas is None:
        try:
            in_tree = gitsource.schemas_at(repo, head)
            if in_tree is not None:
                return SchemaSet.from_mapping(in_tree)
        except (gitsource.GitSourceError, SchemaLoadError) as exc:
            raise EnvironmentProblem(str(exc)) from None
    return schemas_from(args, Path(repo.workdir) if repo.workdir else None)


def run(args: argparse.Namespace) -> int:
    limits = limits_from(args)
    try:
        repo = gitsource.open_repo(args.repo)
        head = gitsource.resolve(repo, args.head)
        base = gitsource.resolve(repo, args.base) if args.base else None
    except gitsource.GitSourceError as exc:
        raise UsageError(str(exc)) from None
    plan = plan_revisions(repo, head, _schemas(args, repo, head), limits, base, args.game)
    sys.stdout.write(FORMATS[args.format](plan))
    for warning in event_warnings(repo, plan, datetime.now(UTC)):  # stdout stays the stable format
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK if plan.ok else EXIT_FINDINGS
