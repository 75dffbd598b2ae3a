"""A small seeded corpus of the decision-quality bench's fast mode (the judge's array form): its
error rates at a mid-size game. tests/promoter/test_decision_quality.py runs one through decide."""

from __future__ import annotations

import numpy as np

from bench.decision_quality import caught_in_time, run
from bench.promoter_sim import PROMOTED, ROLLED_BACK
from tests.pipeline.judge.simulation import at_least, at_most

ROLLOUTS = 40  # per release and location: 80 good, 240 critical, 80 at +3%


def test_the_sequential_judge_meets_its_targets_where_the_point_judge_does_not() -> None:
    tallies = run(ROLLOUTS, seed=7, scales=[("mid", 1.0)])["mid"]
    sequential, point = tallies["sequential"], tallies["point"]
    good = np.concatenate([o.status for o in sequential.good])
    assert int((good == ROLLED_BACK).sum()) <= at_most(0.01, good.size)
    assert int((good == PROMOTED).sum()) >= at_least(0.98, good.size)
    in_time = np.concatenate([caught_in_time(o, location) for o, location in sequential.critical])
    assert int(in_time.sum()) >= at_least(0.99, in_time.size)
    small = np.concatenate([o.status for o in sequential.small])
    assert int((small == ROLLED_BACK).sum()) <= at_most(0.01, small.size)
    # the point-threshold judge on the same draws rolls back most good releases
    point_good = np.concatenate([o.status for o in point.good])
    assert (point_good == ROLLED_BACK).mean() > 0.5
