"""hotswap validate [PATHS] [--changed-since REV] [--format text|json|github]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hotswap.commands.common import add_load_options, limits_from, root_from, schemas_from
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from pipeline import gitchanges, references
from pipeline.documents import SourceFile, game_of, is_config_path, load
from pipeline.parallel import validate_tree
from pipeline.reporters import REPORTERS
from pipeline.schemas import SCHEMA_DIR
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


def _change_set(root: Path, rev: str, limits: LoadLimits) -> tuple[ChangeSet, list[str], bool]:
    """The changed config paths, the symbols their old versions defined, their games, and
    whether any schema changed (then every document is affected)."""
    try:
        top, base = gitchanges.resolve(root, rev)
        changed = gitchanges.paths_changed_since(root, base)
        # git paths are relative to the work tree; config paths to the root holding configs/
        sub = root.relative_to(top).as_posix()
        rels = {
            p if sub == "." else p.removeprefix(sub + "/") for p in changed if sub == "." or p.startswith(sub + "/")
        }
        schemas_changed = any(r.startswith(SCHEMA_DIR + "/") for r in rels)
        paths = {r for r in rels if is_config_path(r)}
        prefix = "" if sub == "." else sub + "/"
        old = gitchanges.sources_at(root, base, sorted(prefix + p for p in paths), limits)
    except (gitchanges.GitChangesError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    old_symbols: set[references.Symbol] = set()
    for source in old:
        doc = load(SourceFile(source.path.removeprefix(prefix), source.data), limits).document
        if doc is not None:
            old_symbols.update(symbol for _, symbol in references.definitions(doc))
    games = sorted({g for p in paths if (g := game_of(p))})
    return ChangeSet(frozenset(paths), frozenset(old_symbols)), games, schemas_changed


def run(args: argparse.Namespace) -> int:
    limits = limits_from(args)
    root = root_from(args)
    changed = None
    check_schemas = True
    try:
        if args.changed_since and args.paths:
            raise UsageError("give either PATHS or --changed-since, not both")
        if args.changed_since:
            changed, games, schemas_changed = _change_set(root, args.changed_since, limits)
            if schemas_changed:  # a changed schema can affect every document: check them all
                changed, rels = None, discover(root)
            else:
                rels = discover(root, games=games)
                # the repository's schemas are unchanged since REV, where they were checked
                check_schemas = args.schemas is not None
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
    schemas = schemas_from(args, root, check_schemas)
    if changed is None:
        result = validate_tree(root, rels, schemas, limits)
    else:
        result = validate(read_worktree(root, rels, limits), schemas, limits, changed)
    REPORTERS[args.format](result, sys.stdout)
    return EXIT_OK if result.ok else EXIT_FINDINGS
