"""Snapshots on plain values for the decision's tests: a policy, releases, ring tips at fixed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.policy import Check, Region, RolloutPolicy, Threshold
from promoter.model import (
    Candidate,
    CheckResult,
    DeployInfo,
    Event,
    GameSnapshot,
    QuarantineRecord,
    ReleaseInfo,
    RolloutRecord,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


OLD, NEW, NEWER = "a" * 40, "b" * 40, "c" * 40


POLICY = RolloutPolicy(
    game="g",
    strategy="canary",
    rings=(10, 50, 100),
    regions=(
        Region("NA-WEST", (10, 50, 100), timedelta(minutes=30), False),
        Region("EU-WEST", (100,), timedelta(hours=1), True),
    ),
    checks=(Check("churn", "q", "b", Threshold("relativeIncrease", 0.05), Threshold("relativeIncrease", 0.02)),),
    inconclusive_limit=2,
    error_limit=3,
)


ALL = [(r, p) for r in ("NA-WEST", "EU-WEST") for p in (10, 50, 100)]


def tip(release: str, at: datetime = T0, previous: str | None = OLD) -> DeployInfo:
    return DeployInfo(
        f"commit-{release[:4]}",
        f"tree-{release[:4]}",
        release,
        at,
        None,
        f"tree-{previous[:4]}" if previous else None,
        previous,
    )


def snap(
    candidate: str | None = NEW,
    rings: dict[tuple[str, int], DeployInfo] | None = None,
    records: tuple[RolloutRecord, ...] = (),
    quarantine: tuple[QuarantineRecord, ...] = (),
    problems: tuple[str, ...] = (),
    policy_problem: str | None = None,
    reverted: frozenset[str] = frozenset(),
) -> GameSnapshot:
    rings = {ring: tip(OLD, previous=None) for ring in ALL} if rings is None else rings
    infos = {
        sha: ReleaseInfo(None if policy_problem else POLICY, problems, policy_problem) for sha in (OLD, NEW, NEWER)
    }
    cand = Candidate(candidate, f"tree-{candidate[:4]}") if candidate else None
    return GameSnapshot(
        "g", cand, rings, {r.release: r for r in records}, {q.release: q for q in quarantine}, infos, reverted
    )


def at_step(step_rings: list[tuple[str, int]], at: datetime = T0) -> dict[tuple[str, int], DeployInfo]:
    rings = {ring: tip(OLD, previous=None) for ring in ALL}
    rings.update({ring: tip(NEW, at) for ring in step_rings})
    return rings


def record(*events: Event, release: str = NEW) -> RolloutRecord:
    return RolloutRecord("g", release, f"tree-{release[:4]}", (Event(T0, "deploy", "NA-WEST", 10), *events))


def results(verdict: str, candidate: float = 1.0) -> tuple[CheckResult, ...]:
    return (CheckResult("churn", verdict, candidate, 1.0, f"{verdict} numbers"),)  # type: ignore[arg-type]
