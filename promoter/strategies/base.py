"""What every strategy answers, and the walk over its stages that decide uses. Pure.

A strategy cuts a policy into stages (per region, in the policy's order), says which refs a stage
writes, whether a stage has been reached given a snapshot, what a rollback reverts and which
revision a stage is judged against. Where a release stands (`position`) and what comes next
(`next_stage`) follow from those answers alone, the same way for every strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pipeline.policy import RolloutPolicy
from promoter.model import Action, DeployInfo, GameSnapshot, RevertRing, RevertRings


@dataclass(frozen=True)
class Stage:
    """One stage of a rollout: what the ledger calls it and how people read it."""

    region: str
    step: int  # the ledger's step number (Event.step): canary the percent; blue-green 0 green, 100 switch
    label: str  # "10%", "green", "switch", "expedited"
    judged: bool = True  # evaluated before the next stage; an unjudged last stage completes at once
    gated: bool = False  # waits for the region's `approval: required` gate before it is written

    @property
    def where(self) -> str:
        """`NA-WEST/10%`, `NA-WEST/green`: where the rollout stands, in summaries."""
        return f"{self.region}/{self.label}"

    @property
    def plain(self) -> str:
        """`NA-WEST/10`, `NA-WEST/green`: the same without the percent sign."""
        return f"{self.region}/{self.label.removesuffix('%')}"


@dataclass(frozen=True)
class Position:
    """The last stage written for a release: region index, stage index in it, and when it landed
    (for a blue-green switch: the instant the servers flip)."""

    region: int
    step: int
    landed: datetime


class Strategy(Protocol):
    """A rollout strategy, keyed in `STRATEGIES` by the policy's `strategy` value."""

    name: str  # its name in the registry (pipeline.strategy_names), which carries the rest about it

    def stages(self, policy: RolloutPolicy) -> tuple[tuple[Stage, ...], ...]:
        """Every stage, per region of the policy (a region may have none)."""
        ...

    def reached(self, snap: GameSnapshot, policy: RolloutPolicy, release: str, stage: Stage) -> datetime | None:
        """When the stage landed, if the refs show it written for `release`; else None."""
        ...

    def writes(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, tree: str, stage: Stage, now: datetime
    ) -> tuple[Action, ...]:
        """The ref writes that put `release` at `stage` (only refs that do not carry it yet)."""
        ...

    def baseline(self, snap: GameSnapshot, release: str, stage: Stage) -> str | None:
        """The revision (12 hex) the stage's cohort is judged against; None: absolute checks only."""
        ...

    def reverts(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, reason: str, now: datetime
    ) -> RevertRings:
        """What a rollback of `release` writes: every ref that serves it, back to what it served before."""
        ...


def carries(tip: DeployInfo | None, release: str) -> bool:
    """The ref's tip deployed `release` (a revert back to it is not a deploy of it)."""
    return tip is not None and tip.release == release and not tip.rollback_of


def position(strategy: Strategy, snap: GameSnapshot, policy: RolloutPolicy, release: str) -> Position | None:
    """The last stage, in order, that the refs show written; a gap ends the walk."""
    last: Position | None = None
    for i, stages in enumerate(strategy.stages(policy)):
        for j, stage in enumerate(stages):
            landed = strategy.reached(snap, policy, release, stage)
            if landed is None:
                return last
            last = Position(i, j, landed)
    return last


def stage_at(strategy: Strategy, policy: RolloutPolicy, region: int, step: int) -> Stage:
    return strategy.stages(policy)[region][step]


def next_stage(strategy: Strategy, policy: RolloutPolicy, pos: Position | None) -> tuple[int, int] | None:
    """The stage after `pos` (the first when nothing is written), or None when the last is done."""
    every = strategy.stages(policy)
    flat = [(i, j) for i, stages in enumerate(every) for j in range(len(stages))]
    if pos is None:
        return flat[0] if flat else None
    later = [x for x in flat if x > (pos.region, pos.step)]
    return later[0] if later else None


def stage_count(strategy: Strategy, policy: RolloutPolicy) -> int:
    return sum(len(stages) for stages in strategy.stages(policy))


def stages_done(strategy: Strategy, policy: RolloutPolicy, pos: Position | None) -> int:
    if pos is None:
        return 0
    every = strategy.stages(policy)
    return sum(len(stages) for stages in every[: pos.region]) + pos.step + 1


def ring_reverts(snap: GameSnapshot, release: str) -> tuple[RevertRing, ...]:
    """Every ring that serves `release`, back to the tree it had before the release reached it."""
    return tuple(
        RevertRing(region, ring, tip.previous_tree, tip.previous_release)
        for (region, ring), tip in sorted(snap.rings.items())
        # A ring serves the release whether its tip deployed it or reverted a later release back to it.
        if tip.release == release and tip.previous_tree is not None
    )
