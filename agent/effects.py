"""The simulator's effect model: how a config changes what players and servers do. Pure.

Documented in the README. Two levers, chosen because live-ops teams break them most:
- Weapon balance. The rifle is balanced between 35 and 60 damage. Outside that band every 10 points
  of distance ("imbalance") multiply churn by (1 + 2 x imbalance) and complaints by (1 + 5 x
  imbalance), and take 8% off session length and 10% off engagement per unit of imbalance.
- Server tick rate. Below 20 Hz latency grows as 20 / tickRate and crashes and disconnects as its
  square; server health drops by 0.3 x (1 - tickRate / 20).
Anything else leaves players as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BALANCED_DAMAGE = (35.0, 60.0)
MIN_TICK_RATE = 20.0


@dataclass(frozen=True)
class Effects:
    churn: float = 1.0
    complaints: float = 1.0
    crashes: float = 1.0
    latency: float = 1.0
    session: float = 1.0
    engagement: float = 1.0
    health_penalty: float = 0.0


def _rifle_damage(documents: Mapping[tuple[str, str], Mapping[str, Any]]) -> float | None:
    for (kind, _), spec in documents.items():
        if kind == "GameBalance" and "rifle" in spec.get("weapons", {}):
            return float(spec["weapons"]["rifle"]["damage"])
    return None


def _tick_rate(documents: Mapping[tuple[str, str], Mapping[str, Any]]) -> float | None:
    for (kind, _), spec in documents.items():
        if kind == "Performance":
            return float(spec["server"]["tickRate"])
    return None


def effects_of(documents: Mapping[tuple[str, str], Mapping[str, Any]]) -> Effects:
    churn = complaints = crashes = latency = session = engagement = 1.0
    health = 0.0
    damage = _rifle_damage(documents)
    if damage is not None:
        low, high = BALANCED_DAMAGE
        imbalance = max(low - damage, damage - high, 0.0) / 10.0
        churn *= 1 + 2 * imbalance
        complaints *= 1 + 5 * imbalance
        session *= max(0.1, 1 - 0.08 * imbalance)
        engagement *= max(0.1, 1 - 0.10 * imbalance)
    tick = _tick_rate(documents)
    if tick is not None and tick < MIN_TICK_RATE:
        ratio = MIN_TICK_RATE / tick
        latency *= ratio
        crashes *= ratio**2
        health += 0.3 * (1 - tick / MIN_TICK_RATE)
    return Effects(churn, complaints, crashes, latency, session, engagement, health)
