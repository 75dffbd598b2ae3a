"""The agent's metric families are exactly the names in contract.metrics, which the promoter queries
the fleet by (tests/promoter/service/test_fleet_truth.py reads them through a real Prometheus): a
family renamed on one side alone would leave the promoter reading an empty fleet."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from agent.metrics import AgentMetrics
from contract import metrics

FAMILIES = {
    metrics.CONFIG_INFO,
    metrics.SWAPS,
    metrics.ERRORS,
    metrics.LAST_SUCCESS,
    metrics.PINNED_SESSIONS,
    metrics.PREFETCHED_INFO,
    metrics.SWITCHES,
    metrics.SWITCH_LATE,
    metrics.LAST_SWITCH_OFFSET,
    metrics.PREFETCH_ERRORS,
}


def _exported(registry: CollectorRegistry) -> set[str]:
    # prometheus_client names a counter's family without `_total`; its samples carry it
    return {f"{m.name}_total" if m.type == "counter" else m.name for m in registry.collect()}


def test_the_agent_exports_the_contract_families() -> None:
    registry = CollectorRegistry()
    AgentMetrics.for_registry(registry)
    assert _exported(registry) == FAMILIES
    assert all(name.startswith("hotswap_agent_") for name in FAMILIES)
