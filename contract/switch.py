"""Blue-green switches: how far ahead the instant servers flip (the `Hotswap-Switch-At` trailer,
contract.trailers.SWITCH_AT) may lie."""

from __future__ import annotations

from datetime import datetime, timedelta

# An agent takes an instant further ahead than this for a mistake (a wrong clock, a typo in the year)
# and swaps at once, so a server never waits on it for days. validate refuses a policy's
# `blueGreen.switchLead` at or beyond it, and the promoter never dates a switch that far ahead.
MAX_SWITCH_LEAD = timedelta(seconds=600)
# What the promoter dates a switch with when a lead reaches the cap anyway (a policy validated by an
# older version): a minute short of it, so a server whose clock runs a little ahead still honours it.
CAPPED_SWITCH_LEAD = MAX_SWITCH_LEAD - timedelta(minutes=1)


def switch_at(now: datetime, lead: timedelta) -> datetime:
    """The instant a switch pushed at `now` names: `now + lead`, the lead held below the agents' cap."""
    return now + (lead if lead < MAX_SWITCH_LEAD else CAPPED_SWITCH_LEAD)
