"""Where a rollout stands: the one copy of the rules that decide, the CLI, the API and the page use.

A rollout's state is never stored. It is read off its record in the ledger (the events) and, while it
runs, off the ring branches (which step carries the release). These functions are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal

from promoter.model import Event, RolloutRecord

RolloutState = Literal["in-progress", "paused", "awaiting-approval", "succeeded", "rolled-back", "rejected"]

# A rollout's state is its LAST ending event: a release that completed and was rolled back later is
# rolled back, not succeeded.
_NEVER = datetime.max.replace(tzinfo=UTC)

_ENDED: dict[str, RolloutState] = {
    "complete": "succeeded",
    "bootstrap": "succeeded",
    "rollback": "rolled-back",
    "reject": "rejected",
}


def ended_state(record: RolloutRecord) -> RolloutState | None:
    """The state of a rollout that has ended, or None while it runs."""
    ended = record.ended
    return _ENDED[ended.type] if ended is not None else None


def in_flight(records: Iterable[RolloutRecord]) -> RolloutRecord | None:
    """The rollout that runs: the oldest record with no ending event (one rollout per game at a time;
    later commits wait, so more than one open record only happens when a person approved ahead)."""
    running = [r for r in records if r.ended is None]
    if not running:
        return None
    return min(running, key=lambda r: (r.events[0].at if r.events else _NEVER, r.release))


def last(events: Sequence[Event], kind: str) -> Event | None:
    return next((e for e in reversed(events) if e.type == kind), None)


def step_events(record: RolloutRecord, region: str, step: int) -> list[Event]:
    return [e for e in record.events if e.region == region and e.step == step]


def open_pause(events: Sequence[Event]) -> Event | None:
    """The step's pause that no approval has answered yet, if any. `events` are one step's."""
    pause, approve = last(events, "pause"), last(events, "approve")
    if pause is not None and (approve is None or approve.at < pause.at):
        return pause
    return None


def gate_open(record: RolloutRecord | None, region: str, required: bool) -> bool:
    """A region with `approval: required` starts only after an approval of its gate."""
    if not required:
        return True
    return record is not None and any(
        e.type == "approve" and e.region == region and e.step is None for e in record.events
    )


def last_approval(record: RolloutRecord, region: str) -> Event | None:
    return next((e for e in reversed(record.events) if e.type == "approve" and e.region == region), None)
