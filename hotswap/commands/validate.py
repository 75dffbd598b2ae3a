"""hotswap validate [PATHS] [--changed-since REV] [--format text|json|github]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hotswap.commands.common import add_load_options, limits_from, root_from, schemas_from
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from pipeline import gitsource, references
from pipeline.documents import game_of, is_config_path, load
from pipeline.reporters import REPORTERS
from pipeline.sources import SourceError, discover, read_worktree
from pipeline.validate import ChangeSet, validate
from pipeline.yamlstrict import LoadLimits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, help="files or folders under configs/ (default: all of configs/)"
    )
    parser.add_argument(
        "--changed-since",
        metavar="REV",
        help="check files changed since REV, and the files that reference them",
    )
    parser.add_argument("--format", choices=sorted(REPORTERS), default="text")
    add_load_options(parser)


def _change_set(root: Path, rev: str, limits: LoadLimits) -> tuple[ChangeSet, list[str]]:
    try:
        repo = gitsource.open_repo(root)
        base = gitsource.resolve(repo, rev)
        changes = gitsource.changes_to_workdir(repo, base)
    except gitsource.GitSourceError as exc:
        raise UsageError(str(exc)) from None
    paths: set[str] = set()
    old_symbols: set[references.Symbol] = set()
    for change in changes:
        for path in (change.old_path, change.new_path):
            if path and is_config_path(path):
                paths.add(path)
        if change.old_path and is_config_path(change.old_path) and change.status in ("removed", "renamed", "modified"):
            old = gitsource.source_at(repo, base, change.old_path, limits)
            doc = load(old, limits).document if old else None
            if doc is not None:
                old_symbols.update(symbol for _, symbol in references.definitions(doc))
    games = sorted({g for p in paths if (g := game_of(p))})
    return ChangeSet(frozenset(paths), frozenset(old_symbols)), games


def run(args: argparse.Namespace) -> int:
    limits = limits_from(args)
    root = root_from(args)
    schemas = schemas_from(args, root)
    changed = None
    try:
        if args.changed_since:
            if args.paths:
                raise UsageError("give either PATHS or --changed-since, not both")
            changed, games = _change_set(root, args.changed_since, limits)
            rels = discover(root, games=games)
        else:
            rels = discover(root, args.paths)
            if args.paths:
                # Rules look across a game's files: load the whole game, report on the paths given.
                wanted = set(rels)
                changed = ChangeSet(frozenset(wanted), follow_references=False)
                rels = discover(root, games=sorted({g for p in rels if (g := game_of(p))}))
                rels = sorted(set(rels) | wanted)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    result = validate(read_worktree(root, rels, limits), schemas, limits, changed)
    REPORTERS[args.format](result, sys.stdout)
    return EXIT_OK if result.ok else EXIT_FINDINGS
