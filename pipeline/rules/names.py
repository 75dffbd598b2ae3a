from __future__ import annotations

from collections.abc import Iterator

from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.game import GameView


def duplicate_names(game: GameView) -> Iterator[Finding]:
    """Two documents of one game and kind may not share a name."""
    first: dict[tuple[str, str], Document] = {}
    for doc in sorted(game.parsed, key=lambda d: d.file):
        if not doc.kind or not doc.name:
            continue
        key = (doc.kind, doc.name)
        if key in first:
            yield doc.finding(
                ("metadata", "name"),
                "duplicate-name",
                f"{doc.kind} {doc.name!r} is already defined in {first[key].file}",
            )
        else:
            first[key] = doc
