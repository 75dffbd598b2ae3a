from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules.shapes import mapping, number, records
from pipeline.rules.unloaded import failed_to_load


def variants(game: GameView) -> Iterator[Finding]:
    """Variant names are unique and their weights sum to 100."""
    for doc in game.of_kind("Experiment"):
        items = records(doc.spec.get("variants"))
        seen: set[str] = set()
        for i, variant in items:
            name = variant.get("name")
            if isinstance(name, str) and name in seen:
                yield doc.spec_finding(
                    ("variants", i, "name"), "experiment-variants", f"variant {name!r} is listed twice"
                )
            if isinstance(name, str):
                seen.add(name)
        weights: list[Any] = [v.get("weight") for _, v in items]
        if items and all(number(w) for w in weights) and (total := sum(weights)) != 100:
            yield doc.spec_finding(("variants",), "experiment-variants", f"variant weights sum to {total}, not 100")


def target(game: GameView) -> Iterator[Finding]:
    """The target config exists, and every override path exists in its spec (a typo would change nothing)."""
    for doc in game.of_kind("Experiment"):
        wanted = mapping(doc.spec.get("target"))
        kind, name = wanted.get("kind"), wanted.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            continue
        matches = [d for d in game.parsed if d.kind == kind and d.name == name]
        if not matches and game.unloaded:
            message = f"cannot check the target {kind} {name!r}: {failed_to_load(game)}"
            yield doc.spec_finding(("target",), "experiment-target", message, "warning")
            continue
        if not matches:
            yield doc.spec_finding(("target",), "experiment-target", f"no {kind} config named {name!r} in {game.name}")
            continue
        spec = matches[0].spec
        for i, variant in records(doc.spec.get("variants")):
            for dotted in mapping(variant.get("overrides")):
                node: object = spec
                for part in dotted.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    yield doc.spec_finding(
                        ("variants", i, "overrides", dotted),
                        "experiment-target",
                        f"override {dotted!r} names nothing in {kind} {name!r}",
                    )
