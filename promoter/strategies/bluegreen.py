"""Blue-green, region by region: the release goes to the region's green ref (the green pool) and is
judged there against blue (what ring-100 serves); then ONE push moves every ring of the region to it,
each commit naming the instant servers flip (`Hotswap-Switch-At`), and the region is judged again
after the switch. A rollback returns the rings and the green ref to blue in one push, again at one
named instant."""

from __future__ import annotations

from datetime import datetime, timedelta

from contract.switch import switch_at
from pipeline.policy import RolloutPolicy
from promoter.model import Action, DeployInfo, GameSnapshot, RevertRing, RevertRings, WriteGreen, WriteRings
from promoter.strategies.base import Stage, carries, ring_reverts
from promoter.strategies.canary import ring100_baseline

GREEN, SWITCH = "green", "switch"
GREEN_STEP, SWITCH_STEP = 0, 100  # the ledger's step numbers of the two stages


def region_rings(snap: GameSnapshot, policy: RolloutPolicy, region: str) -> list[DeployInfo | None]:
    return [snap.rings.get((region, ring)) for ring in policy.rings]


def switched(snap: GameSnapshot, policy: RolloutPolicy, release: str, region: str) -> datetime | None:
    """When the region's servers flip (flipped) to `release`: every ring carries it. The instant is
    the commits' `Hotswap-Switch-At` (their time when written without one)."""
    tips = region_rings(snap, policy, region)
    if not all(carries(t, release) for t in tips):
        return None
    return max((t.switch_at or t.time) for t in tips if t is not None)


def blue(snap: GameSnapshot, release: str, region: str) -> tuple[str, str | None] | None:
    """The tree (and release) the region's servers served before `release`: blue."""
    tip = snap.rings.get((region, 100))
    if tip is None:
        return None
    if tip.release == release:
        return (tip.previous_tree, tip.previous_release) if tip.previous_tree else None
    return tip.tree, tip.release


class BlueGreen:
    name = "blue-green"

    def stages(self, policy: RolloutPolicy) -> tuple[tuple[Stage, ...], ...]:
        return tuple(
            (Stage(r.name, GREEN_STEP, GREEN), Stage(r.name, SWITCH_STEP, SWITCH, gated=True)) for r in policy.regions
        )

    def reached(self, snap: GameSnapshot, policy: RolloutPolicy, release: str, stage: Stage) -> datetime | None:
        done = switched(snap, policy, release, stage.region)
        if stage.label == SWITCH or done is not None:
            return done
        green = snap.green.get(stage.region)
        return green.time if green is not None and carries(green, release) else None

    def writes(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, tree: str, stage: Stage, now: datetime
    ) -> tuple[Action, ...]:
        if stage.label == GREEN:
            return (WriteGreen(snap.game, release, tree, stage.region),)
        rings = tuple((stage.region, ring) for ring in policy.rings)
        rings = tuple(ring for ring in rings if not carries(snap.rings.get(ring), release))
        at = switch_at(now, policy.blue_green.switch_lead)
        return (WriteRings(snap.game, release, tree, f"{stage.region}/{SWITCH}", rings, switch_at=at),)

    def baseline(self, snap: GameSnapshot, release: str, stage: Stage) -> str | None:
        # green is judged against blue, the rest of the region; after the switch no blue cohort is
        # left in the region and only absolute checks judge (docs/DESIGN.md, Strategies).
        return ring100_baseline(snap, release, stage.region) if stage.label == GREEN else None

    def reverts(
        self, snap: GameSnapshot, policy: RolloutPolicy, release: str, reason: str, now: datetime
    ) -> RevertRings:
        return switch_back(snap, release, reason, now, policy.blue_green.switch_lead)


def switch_back(snap: GameSnapshot, release: str, reason: str, now: datetime, lead: timedelta) -> RevertRings:
    """Every ring and green ref serving `release` back to blue, in one push; when rings move, their
    commits name the instant servers flip back (`now + lead`, the lead held below the agents' cap).
    Green alone moves no server of a ring."""
    rings = ring_reverts(snap, release)
    greens: list[RevertRing] = []
    for region, tip in sorted(snap.green.items()):
        back = blue(snap, release, region)
        if tip.release == release and back is not None:
            greens.append(RevertRing(region, 0, back[0], back[1]))
    return RevertRings(snap.game, release, reason, rings, tuple(greens), switch_at(now, lead) if rings else None)
