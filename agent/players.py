"""What one simulated server's players do over one tick: Poisson counts at base rates x players x
seconds x the config's effects (agent.effects), sessions of skewed length, noisy gauges. Pure given
the random generator, so a seed reproduces a run.

The base rates make the default fleet a mid-size game: 40 servers a region at 2,500 players each
put 10,000 players on a 10% canary, which sees ~200 churn events, ~50 crashes and ~30 complaints
per 30-minute interval; `players` scales every count linearly (a tenth for a small game, ten times
for a large one). Per player-hour: churn 0.04, crashes and forced disconnects 0.01, complaints
0.006 (under the seed's 1% complaints limit), purchases 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from agent.effects import Effects

PLAYERS_PER_SERVER = 2500
HOUR = 3600.0
CHURN_PER_PLAYER_SECOND = 0.04 / HOUR
CRASHES_PER_PLAYER_SECOND = 0.01 / HOUR
COMPLAINTS_PER_PLAYER_SECOND = 0.006 / HOUR
PURCHASES_PER_PLAYER_SECOND = 0.1 / HOUR
SESSION_SECONDS = 1200.0  # mean of an exponential: as spread as it is long
FILL_SPREAD = 0.2  # servers hold 80% to 120% of the configured players, each its own share
HEALTH, HEALTH_SD = 0.95, 0.03
ENGAGEMENT, ENGAGEMENT_SD = 80.0, 5.0
LATENCY_MS, FPS, CLIENT_SD = 40.0, 110.0, 0.05  # client reports vary by 5% (relative)


@dataclass(frozen=True)
class Tick:
    """One server over `seconds`: counts to add to counters, values to set on gauges."""

    players: int
    player_seconds: float
    churned: int
    crashes: int
    complaints: int
    purchases: int
    sessions: NDArray[np.float64]  # lengths of the sessions that finished, in seconds
    health: float
    engagement: float
    latency_ms: float
    fps: float


def fill(rng: np.random.Generator) -> float:
    """A server's share of the configured players, drawn once: servers differ."""
    return float(rng.uniform(1 - FILL_SPREAD, 1 + FILL_SPREAD))


def play(rng: np.random.Generator, mean_players: float, seconds: float, effects: Effects) -> Tick:
    players = int(rng.poisson(mean_players))
    exposure = players * seconds

    def count(per_player_second: float) -> int:
        return int(rng.poisson(per_player_second * exposure))

    session_mean = SESSION_SECONDS * effects.session
    # sessions end at players / mean length a second (steady state); lengths exponential
    sessions = rng.exponential(session_mean, int(rng.poisson(exposure / session_mean)))
    return Tick(
        players=players,
        player_seconds=float(exposure),
        churned=count(CHURN_PER_PLAYER_SECOND * effects.churn),
        crashes=count(CRASHES_PER_PLAYER_SECOND * effects.crashes),
        complaints=count(COMPLAINTS_PER_PLAYER_SECOND * effects.complaints),
        purchases=count(PURCHASES_PER_PLAYER_SECOND * effects.engagement),
        sessions=sessions,
        health=_clip(rng.normal(HEALTH - effects.health_penalty, HEALTH_SD), 0.0, 1.0),
        engagement=_clip(rng.normal(ENGAGEMENT * effects.engagement, ENGAGEMENT_SD), 0.0, 100.0),
        latency_ms=LATENCY_MS * effects.latency * _relative(rng),
        fps=FPS / max(1.0, effects.latency) * _relative(rng),
    )


def _relative(rng: np.random.Generator) -> float:
    return max(0.0, float(rng.normal(1.0, CLIENT_SD)))


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, float(value)))
