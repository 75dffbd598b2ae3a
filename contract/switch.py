"""Blue-green switches: the trailer naming the instant servers flip, and how far ahead it may lie."""

from __future__ import annotations

from datetime import timedelta

SWITCH_AT = "Hotswap-Switch-At"
# An agent takes an instant further ahead than this for a mistake (a wrong clock, a typo in the year)
# and swaps at once, so a server never waits on it for days. validate refuses a policy's
# `blueGreen.switchLead` at or beyond it, and the promoter never dates a switch that far ahead.
MAX_SWITCH_LEAD = timedelta(seconds=600)
