"""The test kinds by the name a policy uses for them (the shape of Argo Rollouts' utils/evaluate).

A kind owns its whole story: what it reads (`reads`: metric names to per-cohort reads), its batches
(`batch`), its levels (`relative`, `ops`: tolerances against the baseline or limits on the
candidate's rate), its form rules (`metrics`, `exposure`: what validate asks a check of the kind to
name), its pace (`expected`: what a step sees per interval, for plan and validate) and its test
(`evaluate`, `requirement`). Nothing outside the judge compares a kind's name: it asks the entry.
Adding a kind is one module and one entry in `TESTS` (and its name in the RolloutPolicy schema's
`test` enum, which a test holds to this registry).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from judge.absolute import AbsoluteTest
from judge.mean import MeanTest
from judge.model import Batch, CheckSpec, Evidence, Expected, Read, Requirement, Settings
from judge.rate import RateTest


class SequentialTest(Protocol):
    """One kind of check. Pure: the same batches give the same evidence."""

    name: str
    # Its tolerances are relative changes against the baseline cohort (which it reads, so it judges
    # only where one exists), else limits on the candidate's own rate.
    relative: bool
    ops: tuple[str, str]  # the threshold keys its levels take: (worse up, worse down)
    # The metric fields a check of the kind names: alternatives, each complete (e.g. events; or
    # sum + count + squares, or gauge).
    metrics: tuple[tuple[str, ...], ...]
    exposure: bool  # it reads the policy's exposure counter (analysis.exposure.counter)
    unit: str  # what it counts, for messages: "events", "samples"

    def reads(self, metrics: Mapping[str, str], exposure: str) -> tuple[Read, ...]:
        """What one cohort reads, from the check's metric fields and the exposure counter's name."""
        ...

    def batch(self, reads: Mapping[str, float]) -> Batch:
        """A batch (the ledger's per-cohort keys, "candidateEvents") as the judge's value."""
        ...

    def levels(self, counts: Mapping[str, float | None]) -> tuple[float | None, float | None]:
        """What the candidate and the baseline show beside a verdict, from the ledger's counts."""
        ...

    def expected(self, spec: CheckSpec, pace: float, share: float) -> Expected | None:
        """What a step sees per interval when a whole region's pace is `pace` and the candidate has
        `share` (0..1] of it; None where the kind does not judge."""
        ...

    def evaluate(self, spec: CheckSpec, batches: Sequence[Any], alpha: float, settings: Settings) -> Evidence:
        """Evidence from every batch since the cohorts switched (oldest first), bounds at `alpha`."""
        ...

    def requirement(self, spec: CheckSpec, expected: Expected, alpha: float, settings: Settings) -> Requirement:
        """How much a step must see before it can pass on exposure, at the expected pace."""
        ...


TESTS: Mapping[str, SequentialTest] = {test.name: test for test in (RateTest(), MeanTest(), AbsoluteTest())}


def lookup(name: str) -> SequentialTest:
    try:
        return TESTS[name]
    except KeyError:
        raise ValueError(f"unknown test {name!r}; known: {', '.join(sorted(TESTS))}") from None
