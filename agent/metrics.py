"""What an agent exports through prometheus_client, labelled per server."""

from __future__ import annotations

import weakref

from prometheus_client import CollectorRegistry, Counter, Gauge

LABELS = ("game", "region", "server")


class AgentMetrics:
    """One set of metric families per registry; every agent of a process (or a simulated fleet) shares it."""

    # Keyed by the registry itself, weakly: an id() could be reused by a new registry after the old one is gone.
    _by_registry: weakref.WeakKeyDictionary[CollectorRegistry, AgentMetrics] = weakref.WeakKeyDictionary()

    def __init__(self, registry: CollectorRegistry) -> None:
        self.config = Gauge(
            "hotswap_agent_config_info",
            "The config revision the server runs (value 1), and its blue-green pool (blue or green).",
            [*LABELS, "config_revision", "pool"],
            registry=registry,
        )
        self.swaps = Counter("hotswap_agent_swaps_total", "Configs swapped in.", LABELS, registry=registry)
        self.errors = Counter(
            "hotswap_agent_errors_total", "Fetch failures and refused configs.", [*LABELS, "kind"], registry=registry
        )
        self.last_success = Gauge(
            "hotswap_agent_last_success_timestamp_seconds", "When the ring was last read.", LABELS, registry=registry
        )
        self.pinned = Gauge(
            "hotswap_agent_pinned_sessions",
            "Sessions still running on an older revision than the current one.",
            LABELS,
            registry=registry,
        )
        # Blue-green (agent.bluegreen): the other pool's release held, and the switches at an instant.
        self.prefetched = Gauge(
            "hotswap_agent_prefetched_info",
            "The other pool's release, validated and held in memory for a switch (value 1).",
            [*LABELS, "config_revision"],
            registry=registry,
        )
        self.switches = Counter(
            "hotswap_agent_switches_total", "Swaps of a commit carrying Hotswap-Switch-At.", LABELS, registry=registry
        )
        self.late = Counter(
            "hotswap_agent_switch_late_total",
            "Switches made after their instant (the config was not held in time).",
            LABELS,
            registry=registry,
        )
        self.offset = Gauge(
            "hotswap_agent_last_switch_offset_seconds",
            "When the last switch happened relative to its Hotswap-Switch-At instant (positive: after).",
            LABELS,
            registry=registry,
        )
        self.prefetch_errors = Counter(
            "hotswap_agent_prefetch_errors_total",
            "Failures to read or validate the other pool's release.",
            [*LABELS, "kind"],
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> AgentMetrics:
        if registry not in cls._by_registry:
            cls._by_registry[registry] = cls(registry)
        return cls._by_registry[registry]
