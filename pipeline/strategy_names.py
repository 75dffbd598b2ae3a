"""The one registry of rollout strategy names: what each ranks in caution, whether it takes a region in
one step, and how people read it. pipeline (validate, selection, plan) and promoter.strategies (the
implementations) both read it, so a name known to one is known to the other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class StrategyName:
    name: str
    rank: int  # caution: a higher rank is more cautious
    all_at_once: bool  # a region takes the release in one step: steps [100]
    display: str  # what plan, status and the page call it


STRATEGY_NAMES: Mapping[str, StrategyName] = MappingProxyType(
    {
        s.name: s
        for s in (
            StrategyName("expedited", 0, True, "expedited: every ring of every region in one push"),
            StrategyName("canary", 1, False, "canary: percentage rings, each judged"),
            StrategyName("blue-green", 2, True, "blue-green: a green pool, then a switch"),
        )
    }
)


class UnknownStrategy(ValueError):
    """A strategy name the registry does not hold: validate reports it, nothing rolls out with it."""


def strategy_name(name: str) -> StrategyName:
    found = STRATEGY_NAMES.get(name)
    if found is None:
        raise UnknownStrategy(f"unknown strategy {name!r}: one of {', '.join(known_names())}")
    return found


def known_names() -> tuple[str, ...]:
    """Least cautious first."""
    return tuple(sorted(STRATEGY_NAMES, key=lambda n: STRATEGY_NAMES[n].rank))


def rank(name: str) -> int:
    return strategy_name(name).rank


def all_at_once(name: str) -> bool:
    return strategy_name(name).all_at_once


ALL_AT_ONCE: tuple[str, ...] = tuple(n for n, s in STRATEGY_NAMES.items() if s.all_at_once)
