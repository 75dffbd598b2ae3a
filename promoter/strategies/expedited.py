"""Expedited: every ring of every region in one push (an urgent fix), no gate. Then one post-deploy
check an interval later (the first region's `interval`): no cohort is left on the previous release,
so, as at a region's 100% step, the absolute checks judge (the relative ones are n/a) on the first
region's servers. Pass: complete and tagged; critical: every ring is reverted at once; a hold or a
warning pauses like any step. Reverted like any other release."""

from __future__ import annotations

from datetime import datetime

from pipeline.policy import RolloutPolicy
from promoter.model import Action, GameSnapshot, RevertRings, WriteRings
from promoter.strategies.base import Stage, carries, ring_reverts

STAGE = "expedited"


def all_rings(policy: RolloutPolicy) -> tuple[tuple[str, int], ...]:
    return tuple((region.name, ring) for region in policy.regions for ring in policy.rings)


class Expedited:
    name = "expedited"

    def stages(self, policy: RolloutPolicy) -> tuple[tuple[Stage, ...], ...]:
        # one stage, held by the first region: it writes every region's rings, then is checked
        first = (Stage(policy.regions[0].name, 100, STAGE),)
        return (first, *(() for _ in policy.regions[1:]))

    def reached(self, snap: GameSnapshot, policy: RolloutPolicy, release: str, stage: Stage) -> datetime | None:
        tips = [snap.rings.get(ring) for ring in all_rings(policy)]
        if not all(carries(t, release) for t in tips):
            return None
        return max(t.time for t in tips if t is not None)

    def writes(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, tree: str, stage: Stage, now: datetime
    ) -> tuple[Action, ...]:
        rings = tuple(ring for ring in all_rings(policy) if not carries(snap.rings.get(ring), release))
        return (WriteRings(snap.game, release, tree, STAGE, rings),)

    def baseline(self, snap: GameSnapshot, release: str, stage: Stage) -> str | None:
        return None

    def reverts(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, reason: str, now: datetime
    ) -> RevertRings:
        return RevertRings(snap.game, release, reason, ring_reverts(snap, release))
