"""Blue-green switches: how far ahead the instant servers flip (the `Hotswap-Switch-At` trailer,
contract.trailers.SWITCH_AT) may lie."""

from __future__ import annotations

from datetime import datetime, timedelta

# An agent takes an instant further ahead than this for a mistake (a wrong clock, a typo in the year)
# and swaps at once, so a server never waits on it for days. validate refuses a policy's
# `blueGreen.switchLead` at or beyond it, and the promoter never dates a switch that far ahead.
MAX_SWITCH_LEAD = timedelta(seconds=600)
# The longest lead a policy may ask for, and the promoter ever writes: a minute short of the cap, so
# a server whose clock runs behind the promoter's (NTP keeps it to milliseconds; a minute covers a
# badly kept one) still sees the instant within its cap and flips with the others.
CAPPED_SWITCH_LEAD = MAX_SWITCH_LEAD - timedelta(minutes=1)


def switch_at(now: datetime, lead: timedelta) -> datetime:
    """The instant a switch pushed at `now` names: `now + lead`, the lead held to CAPPED_SWITCH_LEAD."""
    return now + min(lead, CAPPED_SWITCH_LEAD)
