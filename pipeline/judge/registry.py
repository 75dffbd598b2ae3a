"""The tests by the name a policy uses for them (the shape of Argo Rollouts' utils/evaluate)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pipeline.judge.absolute import AbsoluteTest
from pipeline.judge.mean import MeanTest
from pipeline.judge.model import CheckSpec, Evidence, Expected, Requirement, Settings
from pipeline.judge.rate import RateTest


class SequentialTest(Protocol):
    """One kind of check. Pure: the same batches give the same evidence."""

    name: str

    def evaluate(self, spec: CheckSpec, batches: Sequence[Any], alpha: float, settings: Settings) -> Evidence:
        """Evidence from every batch since the cohorts switched (oldest first), bounds at `alpha`."""
        ...

    def requirement(self, spec: CheckSpec, expected: Expected, alpha: float, settings: Settings) -> Requirement:
        """How much a step must see before it can pass on exposure, at the expected pace."""
        ...


TESTS: dict[str, SequentialTest] = {test.name: test for test in (RateTest(), MeanTest(), AbsoluteTest())}


def lookup(name: str) -> SequentialTest:
    try:
        return TESTS[name]
    except KeyError:
        raise ValueError(f"unknown test {name!r}; known: {', '.join(sorted(TESTS))}") from None
