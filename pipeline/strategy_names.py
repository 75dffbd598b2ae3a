"""The one registry of rollout strategy names: what each ranks in caution, whether it takes a region in
one step, what validate asks of a policy or rule that chooses it, and how people read it. pipeline
(validate, selection, plan), promoter.strategies (the implementations), status and the page all read
it, so a name known to one is known to the others and no module switches on a strategy's name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class StrategyName:
    name: str
    rank: int  # caution: a higher rank is more cautious
    all_at_once: bool  # a region takes the release in one step: steps [100]
    display: str  # what plan calls it
    # Every ring of every region in one push, nothing judged: its policy's steps play no part, it
    # reaches 100% everywhere at once, and a rule may choose it only for releases that touch
    # nothing else (`only: true`).
    one_push: bool = False
    # Each region is judged against a baseline the strategy keeps itself (blue-green: blue, before
    # the switch), so a region needs no holdback step below 100 for relative checks to judge.
    own_baseline: bool = False
    label: str = ""  # what status and the page show beside a rollout ("" for the plain default)


STRATEGY_NAMES: Mapping[str, StrategyName] = MappingProxyType(
    {
        s.name: s
        for s in (
            StrategyName(
                "expedited",
                0,
                True,
                "expedited: every ring of every region in one push",
                one_push=True,
                label="expedited",
            ),
            StrategyName("canary", 1, False, "canary: percentage rings, each judged"),
            StrategyName(
                "blue-green", 2, True, "blue-green: a green pool, then a switch", own_baseline=True, label="blue-green"
            ),
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


def display(name: str) -> str:
    """What plan calls the strategy ("canary: percentage rings, each judged"); an unknown name as it is."""
    found = STRATEGY_NAMES.get(name)
    return found.display if found is not None else name


def label(name: str) -> str:
    """What status shows beside a rollout: the registry's label, a name it does not hold as it is
    (a ledger written by a version that knew it)."""
    found = STRATEGY_NAMES.get(name)
    return found.label if found is not None else name
