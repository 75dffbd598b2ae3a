"""`spec.blueGreen`: what a schema cannot say about it."""

from __future__ import annotations

from collections.abc import Iterator

from contract.switch import MAX_SWITCH_LEAD
from pipeline.durations import parse_duration
from pipeline.findings import Finding
from pipeline.game import GameView


def switch_lead(game: GameView) -> Iterator[Finding]:
    """`switchLead` stays below the agents' cap: an agent takes an instant further ahead for a
    mistake and swaps at once, so servers would flip at their next poll, not together at the instant."""
    for doc in game.of_kind("RolloutPolicy"):
        raw = doc.spec.get("blueGreen", {}).get("switchLead")
        lead = parse_duration(raw) if isinstance(raw, str) else None
        if lead is not None and lead >= MAX_SWITCH_LEAD:
            cap = int(MAX_SWITCH_LEAD.total_seconds())
            yield doc.spec_finding(
                ("blueGreen", "switchLead"),
                "policy-switch-lead",
                f"switchLead {raw} must be shorter than {cap} s (PT{cap // 60}M): agents ignore a switch "
                "instant further ahead and swap at once",
            )
