"""One game's documents, as the semantic rules see them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.documents import Document


@dataclass(frozen=True)
class GameView:
    name: str
    # Documents that passed their schema: rules may rely on the shapes the schema promises.
    documents: tuple[Document, ...]
    # Every parsed document, valid or not: definitions are read from these too, so that one
    # schema error does not turn into a cascade of "undefined" findings elsewhere.
    parsed: tuple[Document, ...]
    # Files of the game that failed to load: what they define is unknown, so "undefined" cannot be said.
    unloaded: tuple[str, ...] = ()
    # File -> JSON paths (`$.spec.rings`) with a schema or envelope finding: a rule says nothing more there.
    flaws: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]

    @property
    def flawed(self) -> tuple[Document, ...]:
        """The parsed documents that did not pass their schema: the rules judge what they can of them."""
        passed = {id(d) for d in self.documents}
        return tuple(d for d in self.parsed if id(d) not in passed)

    def policy(self) -> Document | None:
        policies = [d for d in self.parsed if d.kind == "RolloutPolicy"]
        return policies[0] if len(policies) == 1 and policies[0] in self.documents else None
