"""`validate` over a work tree on every core: games are independent, so each is checked whole in
a worker process (rules look across one game's files, never across games).

Parsing is most of the time of a full run and is pure Python, so threads would not help. Workers
are forked: they start in milliseconds with the schemas already compiled, and only paths go in and
findings come out. The result has no parsed documents (`ValidationResult.parsed` is empty): the
callers that need them check one game at a time and use `validate` directly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.documents import game_of
from pipeline.findings import Finding, sort_findings
from pipeline.schemas import SchemaSet
from pipeline.sources import read_worktree
from pipeline.validate import ValidationResult, validate
from pipeline.yamlstrict import LoadLimits

# Below this many files, forking costs more than it saves.
MIN_FILES = 400

Part = tuple[tuple[str, ...], int, tuple[str, ...], tuple[Finding, ...]]
# What forked workers inherit: set just before the pool starts, read-only after.
_JOB: tuple[Path, SchemaSet, LoadLimits] | None = None


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def validate_tree(
    root: Path, rels: Sequence[str], schemas: SchemaSet, limits: LoadLimits, workers: int | None = None
) -> ValidationResult:
    """`validate(read_worktree(root, rels))`, game by game in `workers` processes when it pays."""
    workers = cores() if workers is None else workers
    if workers < 2 or len(rels) < MIN_FILES:
        return validate(read_worktree(root, rels, limits), schemas, limits)
    import multiprocessing  # here: a one-file check need not pay for the import
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return validate(read_worktree(root, rels, limits), schemas, limits)
    games: dict[str, list[str]] = {}
    for rel in rels:
        games.setdefault(game_of(rel) or "", []).append(rel)
    # Largest games first, so that no worker is left with a big one at the end.
    chunks = sorted(games.values(), key=len, reverse=True)
    global _JOB  # noqa: PLW0603 - handed to forked workers, which inherit the parent's memory
    _JOB = (root, schemas, limits)
    try:
        # An executor, not multiprocessing.Pool: a worker killed (out of memory) fails the run
        # (BrokenProcessPool) instead of leaving it waiting forever for the lost task.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=context) as pool:
            parts = list(pool.map(_validate_part, chunks))
    finally:
        _JOB = None
    return ValidationResult(
        files=tuple(sorted(f for part in parts for f in part[0])),
        documents=sum(part[1] for part in parts),
        games=tuple(sorted({g for part in parts for g in part[2]})),
        findings=tuple(sort_findings(f for part in parts for f in part[3])),
    )


def _validate_part(rels: list[str]) -> Part:
    assert _JOB is not None
    root, schemas, limits = _JOB
    result = validate(read_worktree(root, rels, limits), schemas, limits)
    return result.files, result.documents, result.games, result.findings
