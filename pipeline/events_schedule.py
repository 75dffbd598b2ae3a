"""Live events by the clock, pure: which events are active, scheduled or ended in a region at an
instant, and when the next boundary (a start or an end) comes.

Instants are RFC 3339 with `Z` or an offset (`2026-12-18T17:00:00Z`, contract.instants) and are
compared in UTC. An event runs in `spec.regions` from `spec.start` (included) to `spec.end`
(excluded); `spec.windows: [{region, start, end}]` overrides start and end for one region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from contract.instants import format_instant, parse_instant

State = Literal["scheduled", "active", "ended"]


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def state(self, now: datetime) -> State:
        if now < self.start:
            return "scheduled"
        return "active" if now < self.end else "ended"

    def next_boundary(self, now: datetime) -> datetime | None:
        return next((b for b in (self.start, self.end) if b > now), None)

    def as_json(self) -> dict[str, str]:
        return {"start": format_instant(self.start), "end": format_instant(self.end)}


@dataclass(frozen=True)
class LiveEvent:
    name: str
    display_name: str
    regions: tuple[str, ...]
    window: Window
    windows: Mapping[str, Window]  # per-region overrides

    def window_in(self, region: str) -> Window | None:
        """The event's window in `region`, None where it does not run."""
        if region not in self.regions:
            return None
        return self.windows.get(region, self.window)


class EventUnreadable(ValueError):
    """A LiveEvent's spec whose times or regions cannot be read (main may hold one a release check
    refused): the message names the field. Readers show it as a problem, never crash on it."""


def read_event(name: str, spec: Mapping[str, Any]) -> LiveEvent:
    """A LiveEvent from its spec, of any shape (schema-valid or not). Raises EventUnreadable."""
    start, end = _instant(spec, "start", "spec.start"), _instant(spec, "end", "spec.end")
    windows: dict[str, Window] = {}
    items = spec.get("windows") or []
    if not isinstance(items, list | tuple):  # the agent's read-only documents hold tuples
        raise EventUnreadable("spec.windows is not a list")
    for i, item in enumerate(items):
        where = f"spec.windows[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("region"), str):
            raise EventUnreadable(f"{where} is not a mapping of region, start and end")
        windows[item["region"]] = Window(
            _instant(item, "start", f"{where}.start"), _instant(item, "end", f"{where}.end")
        )
    regions = spec.get("regions") or []
    if not isinstance(regions, list | tuple) or not all(isinstance(r, str) for r in regions):
        raise EventUnreadable("spec.regions is not a list of region names")
    return LiveEvent(name, str(spec.get("displayName") or name), tuple(regions), Window(start, end), windows)


def _instant(mapping: Mapping[str, Any], key: str, field: str) -> datetime:
    when = parse_instant(mapping.get(key))
    if when is None:
        raise EventUnreadable(f"{field} is not an RFC 3339 UTC instant ({mapping.get(key)!r:.60})")
    return when


def event_from_spec(name: str, spec: Mapping[str, Any]) -> LiveEvent | None:
    """A LiveEvent from its spec; None when its times or regions cannot be read."""
    try:
        return read_event(name, spec)
    except EventUnreadable:
        return None


def events_from_documents(documents: Iterable[tuple[str, str, Mapping[str, Any]]]) -> list[LiveEvent]:
    """The readable LiveEvents among (kind, name, spec) triples, by name."""
    found = [event_from_spec(name, spec) for kind, name, spec in documents if kind == "LiveEvent"]
    return sorted((e for e in found if e is not None), key=lambda e: e.name)


@dataclass(frozen=True)
class Placed:
    """One event in one region at one instant."""

    event: LiveEvent
    region: str
    window: Window
    state: State


@dataclass(frozen=True)
class Schedule:
    region: str
    now: datetime
    active: tuple[Placed, ...]
    scheduled: tuple[Placed, ...]
    ended: tuple[Placed, ...]
    next_boundary: datetime | None  # the earliest start or end after `now`, None when none is left

    @property
    def active_names(self) -> tuple[str, ...]:
        return tuple(p.event.name for p in self.active)

    def as_json(self) -> dict[str, Any]:
        """What the sidecar's `active-events` file holds (no `now`: it changes only at boundaries)."""
        return {
            "region": self.region,
            "active": [
                {"name": p.event.name, "displayName": p.event.display_name, **p.window.as_json()} for p in self.active
            ],
            "nextBoundary": format_instant(self.next_boundary) if self.next_boundary else None,
        }


def schedule(events: Iterable[LiveEvent], region: str, now: datetime) -> Schedule:
    placed = [Placed(e, region, w, w.state(now)) for e in events if (w := e.window_in(region)) is not None]
    boundaries = [b for p in placed if (b := p.window.next_boundary(now)) is not None]
    return Schedule(
        region,
        now,
        tuple(p for p in placed if p.state == "active"),
        tuple(p for p in placed if p.state == "scheduled"),
        tuple(p for p in placed if p.state == "ended"),
        min(boundaries, default=None),
    )
