"""The metrics every agent exports and the promoter reads back from Prometheus (what the fleet runs):
their family names and labels, written by `agent.metrics` and `agent.events`, queried by
`promoter.fleet_reports`."""

from __future__ import annotations

# Labels of every family: which server it is.
GAME = "game"
REGION = "region"
SERVER = "server"
LABELS = (GAME, REGION, SERVER)
CONFIG_REVISION = "config_revision"  # 12 hex of the deploy commit's Hotswap-Release
POOL = "pool"  # blue-green: `blue` or `green`
KIND = "kind"  # what failed (contract.errors.HotswapFailure.kind)
EVENT = "event"  # a live event's name

CONFIG_INFO = "hotswap_agent_config_info"
SWAPS = "hotswap_agent_swaps_total"
ERRORS = "hotswap_agent_errors_total"
LAST_SUCCESS = "hotswap_agent_last_success_timestamp_seconds"
PINNED_SESSIONS = "hotswap_agent_pinned_sessions"
PREFETCHED_INFO = "hotswap_agent_prefetched_info"
SWITCHES = "hotswap_agent_switches_total"
SWITCH_LATE = "hotswap_agent_switch_late_total"
LAST_SWITCH_OFFSET = "hotswap_agent_last_switch_offset_seconds"
PREFETCH_ERRORS = "hotswap_agent_prefetch_errors_total"
ACTIVE_EVENTS = "hotswap_agent_active_events"
EVENT_ACTIVE = "hotswap_agent_event_active"
