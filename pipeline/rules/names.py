from __future__ import annotations

from collections.abc import Iterator

from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.game import GameView


def duplicate_names(game: GameView) -> Iterator[Finding]:
    """Two documents of one game and kind may not share a name."""
    by_key: dict[tuple[str, str], list[Document]] = {}
    for doc in game.parsed:
        if doc.kind and doc.name:
            by_key.setdefault((doc.kind, doc.name), []).append(doc)
    for (kind, name), docs in by_key.items():
        for doc in docs if len(docs) > 1 else ():
            others = ", ".join(sorted(d.file for d in docs if d is not doc))
            yield doc.finding(("metadata", "name"), "duplicate-name", f"{kind} {name!r} is also defined in {others}")
