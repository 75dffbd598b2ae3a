"""The statistical judge: anytime-valid sequential tests on counts. Pure: plain values in and out.

How the promoter uses it (one region, one candidate release):

1. Describe the policy's checks as `CheckSpec`s (`SEED_CHECKS` are the defaults) and its knobs as
   `Settings` (confidence, detect effect and power; maxDuration stays with the caller).
2. At each evaluation, read every check's counters as increases since the previous evaluation,
   counted from the moment the cohort switched, and append one batch per check:
   `RateBatch` (candidate and baseline events and exposures, e.g. churned players and
   player-seconds), `MeanBatch` (per arm sum, sum of squares, count) or `AbsoluteBatch` (candidate
   events and exposure against a fixed limit). Keep the batches of every step of the region while
   the candidate and baseline stay the same cohorts' releases: the tests allow the canary's share to
   change between steps, so the evidence carries from step 10 to step 50. Start afresh in a new
   region or when the baseline release changes.
3. `evaluate_all(specs, batches_per_check, settings)` returns a `Judgement` per check: `critical` /
   `warning` (the confidence bound is beyond that tolerance: roll back / pause), `pass` (the bound
   rules the loosest tolerance out, or the check has gathered the information to catch its detect
   effect with the stated power), `hold` (keep going; `judgement.evidence.need.describe()` says
   e.g. "needs ~830 churn events, has 212, ~3.1 intervals to go"), `inconclusive` (no data for a
   side). `worst()` combines them; a step holding past maxDuration pauses as inconclusive.
   `judgement.evidence` carries the counts, estimate, bounds and need for the ledger and status.
4. Planning and validation: `requirement(spec, Expected(...), settings, checks)` is the arithmetic
   of how many intervals a step needs at an expected pace; `unreachable(requirement, max_intervals)`
   is validate's one-line refusal (None when reachable).

Guarantee: for each check the bounds form a confidence sequence at alpha / (number of checks)
(`check_alpha`), valid however often and whenever the promoter looks, so the chance that a region
sees any false critical or warning from the policy is at most 1 - confidence. The tests are in
`rate`, `mean` and `absolute` (registry: `TESTS`, `lookup`); the shared mixture in `mixture`. Each
registry entry owns its kind whole: what it reads, its batches, its levels, its form rules and its
pace (`SequentialTest`); nothing outside the judge compares a kind's name.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from judge.defaults import SEED_CHECKS
    from judge.model import (
        JUDGE_ORDER,
        AbsoluteBatch,
        Batch,
        CheckSpec,
        Direction,
        Evidence,
        Expected,
        Judgement,
        JudgeVerdict,
        MeanArm,
        MeanBatch,
        Need,
        RateBatch,
        Read,
        Requirement,
        Settings,
    )
    from judge.registry import TESTS, SequentialTest, lookup
    from judge.verdict import check_alpha, describe, evaluate_all, judge, requirement, unreachable, worst

# The tests need numpy, which costs a validate that never judges (--changed-since) a fifth of a
# second: the names load on first use (PEP 562).
_HOME = {
    "SEED_CHECKS": "defaults",
    "TESTS": "registry",
    "SequentialTest": "registry",
    "lookup": "registry",
    **dict.fromkeys(
        ("check_alpha", "describe", "evaluate_all", "judge", "requirement", "unreachable", "worst"), "verdict"
    ),
}


def __getattr__(name: str) -> Any:
    import importlib

    module = importlib.import_module(f"judge.{_HOME.get(name, 'model')}")
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module 'judge' has no attribute {name!r}") from None


__all__ = [
    "JUDGE_ORDER",
    "SEED_CHECKS",
    "TESTS",
    "AbsoluteBatch",
    "Batch",
    "CheckSpec",
    "Direction",
    "Evidence",
    "Expected",
    "JudgeVerdict",
    "Judgement",
    "MeanArm",
    "MeanBatch",
    "Need",
    "RateBatch",
    "Read",
    "Requirement",
    "SequentialTest",
    "Settings",
    "check_alpha",
    "describe",
    "evaluate_all",
    "judge",
    "lookup",
    "requirement",
    "unreachable",
    "worst",
]
