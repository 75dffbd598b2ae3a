"""How long each step of a region holds, by game size: the README's table, computed by `hotswap
plan`'s own code (pipeline.hold_times.holds) on a policy of the new form.

The policy (SPEC below) has the shape of docs/DESIGN.md's example: a canary region
[10, 30, 50, 90, 100] then two regions [90, 100], every interval PT30M, the judge's defaults
(confidence 0.99 split over the 3 regions and then over the 4 judged checks, power 0.99,
maxDuration PT12H), and the seed's churn, crash, complaint and session-length checks with their
`expected` paces across a region: a mid-size game (40 servers of 2,500 players, 50,000
player-hours an interval) sees 2,000 churn events, 500 crashes, 500 complaints at the limit's
rate (0.01 per player-hour) and 150,000 sessions an interval; a small game a tenth, a large one
ten times. The gauge checks (health, engagement) are left out: the policy states no spread, so
plan would take the judge's default coefficient of variation (1), far above a gauge's.

    python -m bench.hold_times
"""

from __future__ import annotations

from typing import Any

from pipeline.durations import format_duration
from pipeline.hold_times import holds
from pipeline.policy import RolloutPolicy, policy_from_spec

SIZES = (("small", 0.1), ("mid", 1.0), ("large", 10.0))
MID = {"churn": 2000, "crash-rate": 500, "complaints": 500, "session-duration": 150_000}  # per interval, a region


def spec(scale: float) -> dict[str, Any]:
    def counter(name: str, events: str, **rest: Any) -> dict[str, Any]:
        return {"name": name, "events": events, "expected": MID[name] * scale, **rest}

    return {
        "strategy": "canary",
        "rings": [10, 30, 50, 90, 100],
        "regions": [
            {"name": "NA-WEST", "steps": [10, 30, 50, 90, 100], "interval": "PT30M"},
            {"name": "NA-EAST", "steps": [90, 100], "interval": "PT30M"},
            {"name": "EU-WEST", "steps": [90, 100], "interval": "PT30M"},
        ],
        "analysis": {
            "exposure": {"counter": "hotswap_player_seconds_total", "minimum": 50},
            "checks": [
                counter(
                    "churn",
                    "hotswap_players_churned_total",
                    test="rate",
                    critical={"relativeIncrease": 0.05},
                    warning={"relativeIncrease": 0.02},
                    detect=0.25,
                ),
                counter(
                    "crash-rate",
                    "hotswap_server_crashes_total",
                    test="rate",
                    critical={"relativeIncrease": 0.1},
                    detect=0.4,
                ),
                counter(
                    "complaints",
                    "hotswap_player_complaints_total",
                    test="absolute",
                    critical={"above": 0.01},
                    detect=0.5,
                ),
                {
                    "name": "session-duration",
                    "test": "mean",
                    "sum": "hotswap_session_duration_seconds_sum",
                    "count": "hotswap_session_duration_seconds_count",
                    "squares": "hotswap_session_duration_seconds_squares_total",
                    "warning": {"relativeDecrease": 0.1},
                    "detect": 0.2,
                    "expected": MID["session-duration"] * scale,
                },
            ],
        },
    }


def policy(scale: float) -> RolloutPolicy:
    return policy_from_spec("bench", spec(scale))


def rows() -> list[str]:
    lines = [
        "| game size | churn / crashes per interval at 10% | region | steps: intervals held | region done in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for size, scale in SIZES:
        p = policy(scale)
        first, later, _ = holds(p).regions
        events = f"{MID['churn'] * scale / 10:g} / {MID['crash-rate'] * scale / 10:g}"
        for where, region in (("first region", first), ("later region", later)):
            held = ", ".join(
                f"{h.step}%: {h.intervals}{' (past maxDuration: pauses)' if h.beyond_max else ''}" for h in region.steps
            )
            paused = [h.step for h in region.steps if h.beyond_max]
            total = region.intervals or 0
            done = f"{total} intervals ({format_duration(region.interval * total)})"
            if paused:
                done = f"pauses at {paused[0]}% after maxDuration ({format_duration(p.judge.max_duration)})"
            lines.append(f"| {size} | {events} | {where} | {held} | {done} |")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
