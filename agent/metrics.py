"""What an agent exports through prometheus_client, labelled per server (the names are the
contract the promoter reads the fleet by: contract.metrics)."""

from __future__ import annotations

import weakref

from prometheus_client import CollectorRegistry, Counter, Gauge

from contract import metrics as names
from contract.metrics import CONFIG_REVISION, KIND, LABELS, POOL


class AgentMetrics:
    """One set of metric families per registry; every agent of a process (or a simulated fleet) shares it."""

    # Keyed by the registry itself, weakly: an id() could be reused by a new registry after the old one is gone.
    _by_registry: weakref.WeakKeyDictionary[CollectorRegistry, AgentMetrics] = weakref.WeakKeyDictionary()

    def __init__(self, registry: CollectorRegistry) -> None:
        self.config = Gauge(
            names.CONFIG_INFO,
            "The config revision the server runs (value 1), and its blue-green pool (blue or green).",
            [*LABELS, CONFIG_REVISION, POOL],
            registry=registry,
        )
        self.swaps = Counter(names.SWAPS, "Configs swapped in.", LABELS, registry=registry)
        self.errors = Counter(names.ERRORS, "Fetch failures and refused configs.", [*LABELS, KIND], registry=registry)
        self.last_success = Gauge(names.LAST_SUCCESS, "When the ring was last read.", LABELS, registry=registry)
        self.pinned = Gauge(
            names.PINNED_SESSIONS,
            "Sessions still running on an older revision than the current one.",
            LABELS,
            registry=registry,
        )
        # Blue-green (agent.bluegreen): the other pool's release held, and the switches at an instant.
        self.prefetched = Gauge(
            names.PREFETCHED_INFO,
            "The other pool's release, validated and held in memory for a switch (value 1).",
            [*LABELS, CONFIG_REVISION],
            registry=registry,
        )
        self.switches = Counter(
            names.SWITCHES, "Swaps of a commit carrying Hotswap-Switch-At.", LABELS, registry=registry
        )
        self.late = Counter(
            names.SWITCH_LATE,
            "Switches made after their instant (the config was not held in time).",
            LABELS,
            registry=registry,
        )
        self.offset = Gauge(
            names.LAST_SWITCH_OFFSET,
            "When the last switch happened relative to its Hotswap-Switch-At instant (positive: after).",
            LABELS,
            registry=registry,
        )
        self.prefetch_errors = Counter(
            names.PREFETCH_ERRORS,
            "Failures to read or validate the other pool's release.",
            [*LABELS, KIND],
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> AgentMetrics:
        if registry not in cls._by_registry:
            cls._by_registry[registry] = cls(registry)
        return cls._by_registry[registry]
