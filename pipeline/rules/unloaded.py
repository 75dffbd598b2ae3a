"""When a file of the game failed to load, "X is not defined" and "there is no Y" cannot be said."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pipeline.findings import Finding
from pipeline.game import GameView


def failed_to_load(game: GameView) -> str:
    """`configs/g/a.yaml failed to load` (or `a.yaml and 2 other files failed to load`)."""
    first, rest = game.unloaded[0], len(game.unloaded) - 1
    others = f" and {rest} other file{'s' if rest > 1 else ''}" if rest else ""
    return f"{first}{others} failed to load"


def unless_unloaded(rule: Callable[[GameView], Iterable[Finding]]) -> Callable[[GameView], Iterator[Finding]]:
    """policy-present, but "no RolloutPolicy" only when every file of the game loaded."""

    def checked(game: GameView) -> Iterator[Finding]:
        if not game.unloaded or any(d.kind == "RolloutPolicy" for d in game.parsed):
            yield from rule(game)
            return
        for finding in rule(game):
            if finding.path != "$":  # the game-level "has no RolloutPolicy": unknown, see below
                yield finding
        first = min(game.parsed, key=lambda d: d.file)
        yield first.finding(
            (),
            "policy-present",
            f"cannot tell whether game {game.name!r} has a RolloutPolicy: {failed_to_load(game)}",
            "warning",
        )

    return checked
