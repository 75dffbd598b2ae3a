"""Live events on a game server: which are active by the server's clock, and the metrics saying so.

Nothing is deployed at an event's start or end: the config that carries the event arrives ahead,
and the server activates and deactivates it by its clock (`pipeline.events_schedule`). The metrics
are computed when scraped, from each agent's current config and the clock, so they change at the
boundary instant, not at the next poll:

    hotswap_agent_active_events{game,region,server}        how many events are active
    hotswap_agent_event_active{game,region,server,event}   1 while the event is active, else 0
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily

from contract.metrics import ACTIVE_EVENTS, EVENT, EVENT_ACTIVE, LABELS
from pipeline.events_schedule import LiveEvent, Schedule, events_from_documents, schedule

if TYPE_CHECKING:
    from agent.agent import Agent
    from agent.snapshot import ConfigSnapshot

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def live_events(snapshot: ConfigSnapshot) -> list[LiveEvent]:
    return events_from_documents((kind, name, spec) for (kind, name), spec in snapshot.documents.items())


def events_at(snapshot: ConfigSnapshot, region: str, now: datetime) -> Schedule:
    return schedule(live_events(snapshot), region, now)


class EventCollector:
    """One per registry: the event metrics of every agent registered with it, evaluated at scrape."""

    _by_registry: weakref.WeakKeyDictionary[CollectorRegistry, EventCollector] = weakref.WeakKeyDictionary()

    def __init__(self, clock: Clock = utc_now) -> None:
        self.agents: weakref.WeakSet[Agent] = weakref.WeakSet()
        self.clock = clock

    @classmethod
    def track(cls, registry: CollectorRegistry, agent: Agent) -> None:
        if registry not in cls._by_registry:
            collector = cls._by_registry[registry] = cls()
            registry.register(collector)
        cls._by_registry[registry].agents.add(agent)

    def describe(self) -> list[GaugeMetricFamily]:
        return list(self._families({}))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        schedules = {}
        for agent in list(self.agents):
            snap = agent.snapshot
            if snap is not None:
                schedules[(agent.game, agent.region, agent.server_id)] = events_at(snap, agent.region, now)
        yield from self._families(schedules)

    @staticmethod
    def _families(schedules: dict[tuple[str, str, str], Schedule]) -> Iterator[GaugeMetricFamily]:
        count = GaugeMetricFamily(
            ACTIVE_EVENTS,
            "Live events active now by the server's clock.",
            labels=list(LABELS),
        )
        each = GaugeMetricFamily(
            EVENT_ACTIVE,
            "1 while the live event is active in the server's region, else 0.",
            labels=[*LABELS, EVENT],
        )
        for labels, sched in sorted(schedules.items()):
            count.add_metric(list(labels), len(sched.active))
            for placed in (*sched.active, *sched.scheduled, *sched.ended):
                each.add_metric([*labels, placed.event.name], 1.0 if placed.state == "active" else 0.0)
        yield count
        yield each
