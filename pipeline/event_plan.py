"""`hotswap plan`'s live-event warning: an event the release ships that starts before the rollout
can reach 100% of the event's region (by the policy's minimum times: every step's expected holds,
or one interval each where a hold depends on traffic; approvals come on top)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import pygit2

from contract.instants import format_instant
from pipeline.durations import format_duration
from pipeline.event_stop import events_in
from pipeline.events_schedule import LiveEvent, event_from_spec
from pipeline.hold_times import holds
from pipeline.plan import Plan
from pipeline.policy import RolloutPolicy
from pipeline.strategy_names import strategy_name


def reach_times(policy: RolloutPolicy) -> dict[str, timedelta]:
    """Per region, the least time from the start of the rollout until it serves 100% there."""
    if strategy_name(policy.strategy).one_push:  # every ring of every region in one push
        return {region.name: timedelta(0) for region in policy.regions}
    reached: dict[str, timedelta] = {}
    total = timedelta(0)
    for region, held in zip(policy.regions, holds(policy).regions, strict=True):
        total += region.interval * (held.intervals if held.intervals is not None else len(region.steps))
        reached[region.name] = total
    return reached


def early_starts(game: str, events: Iterable[LiveEvent], reach: dict[str, timedelta], now: datetime) -> list[str]:
    warnings = []
    for event in events:
        for region in event.regions:
            window = event.window_in(region)
            if window is None or region not in reach or window.end <= now:
                continue
            ready = now + reach[region]
            if window.start < ready:
                warnings.append(
                    f"{game}: live event {event.name} starts in {region} at {format_instant(window.start)}, before "
                    f"this rollout can reach 100% there (at the earliest {format_instant(ready)}, "
                    f"{format_duration(reach[region])} from now)"
                )
    return warnings


def event_warnings(repo: pygit2.Repository, plan: Plan, now: datetime) -> list[str]:
    """The warnings for the LiveEvents among each game's changed files at the plan's head."""
    head = repo[plan.head].peel(pygit2.Commit)
    warnings: list[str] = []
    for game in plan.games:
        if game.policy is None:
            continue
        files: dict[str, bytes] = {}
        for path in game.files:
            try:
                files[path] = head.tree[path].peel(pygit2.Blob).data
            except (KeyError, ValueError):
                continue  # deleted by the change
        found = [event_from_spec(name, spec) for name, (_, spec) in events_in(files).items()]
        events = [e for e in found if e is not None]
        warnings += early_starts(game.game, events, reach_times(game.policy), now)
    return warnings
