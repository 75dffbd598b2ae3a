"""Options and setup shared by the commands that read configs."""

from __future__ import annotations

import argparse
from pathlib import Path

from hotswap.errors import EnvironmentProblem, UsageError
from pipeline.schemas import PACKAGED_SCHEMAS, SchemaLoadError, SchemaSet
from pipeline.sources import SourceError, find_root
from pipeline.yamlstrict import LoadLimits


def add_load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        help="repository root holding configs/ (default: found from the current directory)",
    )
    parser.add_argument("--schemas", type=Path, help="schema directory (default: <root>/schemas)")
    add_limit_options(parser)


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=LoadLimits.max_bytes,
        help="largest config file accepted (default: 1 MiB)",
    )
    parser.add_argument(
        "--max-alias-nodes",
        type=int,
        default=LoadLimits.max_alias_nodes,
        help="most nodes YAML aliases may expand to (default: %(default)s)",
    )


def limits_from(args: argparse.Namespace) -> LoadLimits:
    if args.max_bytes <= 0 or args.max_alias_nodes < 0:
        raise UsageError("--max-bytes must be positive and --max-alias-nodes not negative")
    return LoadLimits(max_bytes=args.max_bytes, max_alias_nodes=args.max_alias_nodes)


def root_from(args: argparse.Namespace) -> Path:
    try:
        return (args.root or find_root(Path.cwd())).resolve()
    except SourceError as exc:
        raise UsageError(str(exc)) from None


def schemas_from(args: argparse.Namespace, root: Path | None, check: bool = True) -> SchemaSet:
    directory = args.schemas
    if directory is None:
        directory = root / "schemas" if root is not None and (root / "schemas").is_dir() else PACKAGED_SCHEMAS
    try:
        return SchemaSet.from_dir(directory, check)
    except SchemaLoadError as exc:
        raise EnvironmentProblem(str(exc)) from None
