"""How long each step of a region holds, by game size: the README's table, from
pipeline.judge.requirement through `hotswap plan`'s arithmetic (pipeline/hold_times.py).

The seed's rate checks (churn: +5% critical, detect +25%; crashes: +10% critical, detect +40%) with
the judge's default settings and the error budget split over the seed's six checks; a mid-size
game's 10% canary sees ~200 churn events and ~50 crashes an interval, a small game a tenth, a large
one ten times; intervals of PT30M. The mean and absolute checks need less (README, "How a check is
judged") and do not set the hold.

    python -m bench.hold_times
"""

from __future__ import annotations

from datetime import timedelta

from pipeline.durations import format_duration
from pipeline.hold_times import Paced, step_intervals
from pipeline.judge import SEED_CHECKS, Settings

SIZES = (("small", 20), ("mid", 200), ("large", 2000))  # churn events per interval at a 10% canary
REGIONS = (("first region", (10, 50, 90, 100)), ("later region", (90, 100)))
INTERVAL = timedelta(minutes=30)
CHECKS = len(SEED_CHECKS)  # the error budget is split over the seed's six checks


def rows() -> list[str]:
    churn, crashes = SEED_CHECKS[0], SEED_CHECKS[1]
    lines = [
        "| game size | churn / crashes per interval at 10% | region | steps: intervals held | region done in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for size, events in SIZES:
        paced = [Paced(churn, events * 10.0), Paced(crashes, events * 10.0 / 4)]
        for where, steps in REGIONS:
            holds = step_intervals(paced, steps, Settings(), CHECKS)
            held = ", ".join(f"{h.step}%: {h.intervals}" for h in holds)
            total = sum(h.intervals or 0 for h in holds)
            done = f"{total} intervals ({format_duration(INTERVAL * total)})"
            lines.append(f"| {size} | {events} / {events // 4} | {where} | {held} | {done} |")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
