"""`spec.blueGreen`: what a schema cannot say about it."""

from __future__ import annotations

from collections.abc import Iterator

from contract.switch import CAPPED_SWITCH_LEAD, MAX_SWITCH_LEAD
from pipeline.durations import parse_duration
from pipeline.findings import Finding
from pipeline.game import GameView


def switch_lead(game: GameView) -> Iterator[Finding]:
    """`switchLead` stays below the agents' cap: an agent takes an instant further ahead for a
    mistake and swaps at once, so servers would flip at their next poll, not together at the instant."""
    for doc in game.of_kind("RolloutPolicy"):
        raw = doc.spec.get("blueGreen", {}).get("switchLead")
        lead = parse_duration(raw) if isinstance(raw, str) else None
        if lead is not None and lead > CAPPED_SWITCH_LEAD:
            cap, most = int(MAX_SWITCH_LEAD.total_seconds()), int(CAPPED_SWITCH_LEAD.total_seconds())
            yield doc.spec_finding(
                ("blueGreen", "switchLead"),
                "policy-switch-lead",
                f"switchLead {raw} must be at most {most} s (PT{most // 60}M): agents ignore a switch instant "
                f"more than {cap} s ahead and swap at once, and a minute is kept for servers whose clock runs behind",
            )
