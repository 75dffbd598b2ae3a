"""Which blue-green green refs are live, in one place. Pure.

A region's green ref (`deploy/<g>/<r>/green`) exists for one release: the blue-green release in
flight that deployed it there. While it carries that release, the region's green pool follows it;
once the release completes, is rolled back or another release runs, the ref is stale: the promoter
drops it (`drops`, written by the git adapter) and a green-pool server follows its ring again, as
the agent does whenever no green ref exists. Status compares each green-pool server with the ref
it should follow (`followed`), so a server left on a stale green counts as drifted, never ok.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from promoter import rollout
from promoter.model import (
    Action,
    AppendEvents,
    DeployInfo,
    DropGreen,
    GameSnapshot,
    RevertRings,
    RolloutRecord,
    WriteGreen,
)
from promoter.strategies.base import carries


def _live(tip: DeployInfo, running: RolloutRecord | None) -> bool:
    """The green ref deploys the release in flight (a revert on it deploys nothing)."""
    return running is not None and carries(tip, running.release)


def followed(snap: GameSnapshot, region: str) -> DeployInfo | None:
    """The green ref a green-pool server of `region` should follow now; None: it follows its ring."""
    tip = snap.green.get(region)
    if tip is None or not _live(tip, rollout.in_flight(snap.records.values())):
        return None
    return tip


def records_after(snap: GameSnapshot, actions: Sequence[Action]) -> Mapping[str, RolloutRecord]:
    """The game's rollout records once these actions' events are appended."""
    records = dict(snap.records)
    for action in actions:
        if isinstance(action, AppendEvents):
            record = records.get(action.release) or RolloutRecord(action.game, action.release, action.tree)
            records[action.release] = record.appended(*action.events)
    return records


def _written(actions: Sequence[Action]) -> set[str]:
    """Regions whose green ref these actions write already (a deploy to green, a switch-back)."""
    regions = {a.region for a in actions if isinstance(a, WriteGreen)}
    regions.update(g.region for a in actions if isinstance(a, RevertRings) for g in a.green)
    return regions


def drops(snap: GameSnapshot, actions: Sequence[Action]) -> tuple[DropGreen, ...]:
    """The green refs to delete along with `actions`: every one that is not live once they are
    applied. A ref the actions write is left to them (one push moves a ref once); a switch-back's
    revert of green is dropped by the next pass, when the rollout has ended."""
    running = rollout.in_flight(records_after(snap, actions).values())
    written = _written(actions)
    return tuple(
        DropGreen(snap.game, region, tip.release)
        for region, tip in sorted(snap.green.items())
        if region not in written and not _live(tip, running)
    )


def summary(dropped: Sequence[DropGreen]) -> str:
    """`; drop green of NA-WEST (on c7572b5b99fd): its green pool follows its ring` (written by a
    pass, pending in `status`)."""
    if not dropped:
        return ""
    names = ", ".join(f"{d.region} (on {(d.release or 'nothing')[:12]})" for d in dropped)
    return f"; drop green of {names}: its green pool follows its ring"
