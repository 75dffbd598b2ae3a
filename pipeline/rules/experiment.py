from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView


def variants(game: GameView) -> Iterator[Finding]:
    """Variant names are unique and their weights sum to 100."""
    for doc in game.of_kind("Experiment"):
        items = doc.spec["variants"]
        names = [v["name"] for v in items]
        for i, name in enumerate(names):
            if name in names[:i]:
                yield doc.spec_finding(
                    ("variants", i, "name"), "experiment-variants", f"variant {name!r} is listed twice"
                )
        total = sum(v["weight"] for v in items)
        if total != 100:
            yield doc.spec_finding(("variants",), "experiment-variants", f"variant weights sum to {total}, not 100")


def target(game: GameView) -> Iterator[Finding]:
    """The target config exists, and every override path exists in its spec (a typo would change nothing)."""
    for doc in game.of_kind("Experiment"):
        kind, name = doc.spec["target"]["kind"], doc.spec["target"]["name"]
        matches = [d for d in game.parsed if d.kind == kind and d.name == name]
        if not matches:
            yield doc.spec_finding(("target",), "experiment-target", f"no {kind} config named {name!r} in {game.name}")
            continue
        spec = matches[0].spec
        for i, variant in enumerate(doc.spec["variants"]):
            for dotted in variant.get("overrides", {}):
                node: object = spec
                for part in dotted.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    yield doc.spec_finding(
                        ("variants", i, "overrides", dotted),
                        "experiment-target",
                        f"override {dotted!r} names nothing in {kind} {name!r}",
                    )
