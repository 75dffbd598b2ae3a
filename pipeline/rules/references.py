from __future__ import annotations

import difflib
from collections.abc import Iterator

from pipeline import references as refs
from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules.unloaded import failed_to_load


def _defined(game: GameView) -> dict[refs.Symbol, list[tuple[Document, tuple[str | int, ...]]]]:
    table: dict[refs.Symbol, list[tuple[Document, tuple[str | int, ...]]]] = {}
    for doc in game.parsed:
        for path, symbol in refs.definitions(doc):
            table.setdefault(symbol, []).append((doc, path))
    return table


def undefined_references(game: GameView) -> Iterator[Finding]:
    """Every item, weapon, map or mode a config names is defined by a config of the same game."""
    table = _defined(game)
    for doc in game.documents:
        for path, (namespace, ident) in refs.references(doc):
            if namespace in refs.CHECKED_ELSEWHERE or (namespace, ident) in table:
                continue
            if game.unloaded:  # it may be defined in the file that failed to load
                yield doc.finding(
                    path,
                    "references",
                    f"cannot check {namespace} {ident!r}: {failed_to_load(game)}",
                    "warning",
                )
                continue
            known = sorted(i for ns, i in table if ns == namespace)
            hint = difflib.get_close_matches(ident, known, n=1)
            detail = (
                f"; did you mean {hint[0]!r}?"
                if hint
                else (
                    f"; defined: {', '.join(known)}" if known else f"; no config of {game.name} defines any {namespace}"
                )
            )
            yield doc.finding(path, "references", f"unknown {namespace} {ident!r}{detail}")


def duplicate_definitions(game: GameView) -> Iterator[Finding]:
    """An id is defined once per game: two configs defining `medkit` make every reference ambiguous."""
    for (namespace, ident), places in _defined(game).items():
        if namespace == "config":
            continue  # two documents of one kind and name: the duplicate-name rule says so
        files = sorted({doc.file for doc, _ in places})
        for doc, path in places if len(files) > 1 else ():
            others = ", ".join(f for f in files if f != doc.file)
            yield doc.finding(path, "duplicate-definition", f"{namespace} {ident!r} is also defined in {others}")
