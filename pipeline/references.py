"""What each kind defines and references, declared as path patterns over `spec`.

A new cross-config reference is one row below. The rule `references` and
`validate --changed-since` (which files depend on a changed file) both read these tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from pipeline.documents import Document

ANY = object()  # any key of a mapping or any index of a list
KEYS = object()  # the keys of a mapping are the ids (last element only)

Pattern = tuple[object, ...]


class Decl(NamedTuple):
    kind: str
    pattern: Pattern
    namespace: str


def _rewards(kind: str, *prefix: object) -> list[Decl]:
    return [Decl(kind, (*prefix, "item"), "item"), Decl(kind, (*prefix, "weapon"), "weapon")]


DEFINITIONS: tuple[Decl, ...] = (
    Decl("GameBalance", ("weapons", KEYS), "weapon"),
    Decl("GameBalance", ("characters", KEYS), "character"),
    Decl("Economy", ("items", KEYS), "item"),
    Decl("Economy", ("lootTables", KEYS), "loot table"),
    Decl("Economy", ("rewardTables", KEYS), "reward table"),
    Decl("Matchmaking", ("maps", KEYS), "map"),
    Decl("Matchmaking", ("modes", KEYS), "mode"),
    Decl("RolloutPolicy", ("regions", ANY, "name"), "region"),
)

REFERENCES: tuple[Decl, ...] = (
    Decl("Economy", ("store", ANY, "item"), "item"),
    *_rewards("Economy", "rewardTables", ANY, ANY),
    *_rewards("Economy", "lootTables", ANY, "drops", ANY),
    *_rewards("Economy", "battlePass", "tiers", ANY, "free"),
    *_rewards("Economy", "battlePass", "tiers", ANY, "premium"),
    Decl("Matchmaking", ("modes", ANY, "maps", ANY), "map"),
    Decl("Matchmaking", ("rotation", ANY, "map"), "map"),
    Decl("Matchmaking", ("rotation", ANY, "mode"), "mode"),
    Decl("Matchmaking", ("queues", ANY, "mode"), "mode"),
    Decl("LiveEvent", ("modes", ANY), "mode"),
    Decl("LiveEvent", ("rules", "featuredWeapons", ANY), "weapon"),
    *_rewards("LiveEvent", "rewards", ANY),
    *_rewards("LiveEvent", "challenges", ANY, "reward"),
    Decl("AntiCheat", ("weaponLimits", KEYS), "weapon"),
    Decl("LiveEvent", ("regions", ANY), "region"),
)

# Namespaces whose references a dedicated rule checks with more context (event-regions,
# experiment-target); they are still followed to find the files a change affects.
CHECKED_ELSEWHERE = frozenset({"region", "config"})


def select(
    value: Any, pattern: Pattern, prefix: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Yield (path, value) for every match of `pattern` under `value`."""
    if not pattern:
        yield prefix, value
        return
    head, rest = pattern[0], pattern[1:]
    if head is KEYS:
        if isinstance(value, dict):
            for key in value:
                yield (*prefix, key), key
        return
    if head is ANY:
        if isinstance(value, dict):
            for key, child in value.items():
                yield from select(child, rest, (*prefix, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from select(child, rest, (*prefix, index))
        return
    if isinstance(value, dict) and isinstance(head, str) and head in value:
        yield from select(value[head], rest, (*prefix, head))


Symbol = tuple[str, str]  # (namespace, id)


def _matches(doc: Document, table: tuple[Decl, ...]) -> Iterator[tuple[tuple[str | int, ...], Symbol]]:
    spec = doc.spec
    for decl in table:
        if decl.kind != doc.kind:
            continue
        for path, ident in select(spec, decl.pattern, ("spec",)):
            if isinstance(ident, str):
                yield path, (decl.namespace, ident)


def definitions(doc: Document) -> Iterator[tuple[tuple[str | int, ...], Symbol]]:
    yield ("metadata", "name"), ("config", f"{doc.kind}/{doc.name}")
    yield from _matches(doc, DEFINITIONS)


def references(doc: Document) -> Iterator[tuple[tuple[str | int, ...], Symbol]]:
    target = doc.spec.get("target") if doc.kind == "Experiment" else None
    if isinstance(target, dict):
        yield ("spec", "target"), ("config", f"{target.get('kind')}/{target.get('name')}")
    yield from _matches(doc, REFERENCES)
