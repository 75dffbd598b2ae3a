"""One game's documents, as the semantic rules see them."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.documents import Document


@dataclass(frozen=True)
class GameView:
    name: str
    # Documents that passed their schema: rules may rely on the shapes the schema promises.
    documents: tuple[Document, ...]
    # Every parsed document, valid or not: definitions are read from these too, so that one
    # schema error does not turn into a cascade of "undefined" findings elsewhere.
    parsed: tuple[Document, ...]

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]

    def policy(self) -> Document | None:
        policies = [d for d in self.parsed if d.kind == "RolloutPolicy"]
        return policies[0] if len(policies) == 1 and policies[0] in self.documents else None
