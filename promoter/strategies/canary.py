"""Canary: percentage rings, region by region. At step p the rings up to p carry the release."""

from __future__ import annotations

from datetime import datetime

from pipeline.policy import Region, RolloutPolicy
from promoter.model import Action, GameSnapshot, RevertRings, WriteRings
from promoter.strategies.base import Stage, carries, ring_reverts


def step_rings(policy: RolloutPolicy, region: Region, step: int) -> list[tuple[str, int]]:
    """At step p the rings up to p carry the release (servers with bucket < p)."""
    return [(region.name, ring) for ring in policy.rings if ring <= step]


def ring100_baseline(snap: GameSnapshot, release: str, region: str) -> str | None:
    """What ring-100 of the region still serves (12 hex); None once it serves the release itself."""
    tip = snap.rings.get((region, 100))
    return tip.release[:12] if tip and tip.release and tip.release != release else None


class Canary:
    name = "canary"

    def stages(self, policy: RolloutPolicy) -> tuple[tuple[Stage, ...], ...]:
        return tuple(
            tuple(Stage(r.name, step, f"{step}%", gated=(j == 0)) for j, step in enumerate(r.steps))
            for r in policy.regions
        )

    def reached(self, snap: GameSnapshot, policy: RolloutPolicy, release: str, stage: Stage) -> datetime | None:
        region = policy.region(stage.region)
        assert region is not None
        tips = [snap.rings.get(ring) for ring in step_rings(policy, region, stage.step)]
        if not tips or not all(carries(t, release) for t in tips):
            return None
        return max(t.time for t in tips if t is not None)

    def writes(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, tree: str, stage: Stage, now: datetime
    ) -> tuple[Action, ...]:
        region = policy.region(stage.region)
        assert region is not None
        rings = tuple(
            ring for ring in step_rings(policy, region, stage.step) if not carries(snap.rings.get(ring), release)
        )
        return (WriteRings(snap.game, release, tree, f"{stage.region}/{stage.step}", rings),)

    def baseline(self, snap: GameSnapshot, release: str, stage: Stage) -> str | None:
        # The baseline cohort is what ring-100 still serves; once the region is all on the
        # candidate there is none, and only absolute thresholds can judge.
        return ring100_baseline(snap, release, stage.region)

    def reverts(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, reason: str, now: datetime
    ) -> RevertRings:
        return RevertRings(snap.game, release, reason, ring_reverts(snap, release))
