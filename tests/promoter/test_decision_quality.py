"""A small seeded corpus through the promoter's own decision code (bench.promoter_sim): decide asks,
evaluate builds the PromQL and judges, a simulated fleet answers. Error rates against binomial
bounds at a mid-size game; the point-threshold policy on the same draws for contrast."""

from __future__ import annotations

import numpy as np

from bench.promoter_sim import (
    CHURNED,
    EXPOSURE,
    INTERVAL,
    NEW,
    PROMOTED,
    ROLLED_BACK,
    T0,
    Fleet,
    Outcome,
    Release,
    judged_policy,
    point_policy,
    run_rollout,
)
from pipeline.policy import Region
from promoter.evaluate import counter_query, gauge_queries
from tests.pipeline.judge.simulation import at_least, at_most

# Churn alone keeps it fast (each evaluation costs ~10 ms per check); two regions, each ending
# with its holdback step.
REGIONS = (Region("NA-WEST", (10, 50, 90, 100), INTERVAL, False), Region("NA-EAST", (90, 100), INTERVAL, False))
JUDGED = judged_policy(48, regions=REGIONS, names=("churn",))
POINT = point_policy(regions=REGIONS, names=("churn",))
MID = 1.0


def corpus(release: Release, affected: int, n: int, seed: int = 11) -> tuple[list[Outcome], list[Outcome]]:
    keys = [(seed, int(release.churn * 100), affected, i) for i in range(n)]
    return (
        [run_rollout(JUDGED, MID, release, affected, key) for key in keys],
        [run_rollout(POINT, MID, release, affected, key) for key in keys],
    )


def count(outcomes: list[Outcome], status: int) -> int:
    return sum(o.status == status for o in outcomes)


def test_good_releases_are_promoted_where_the_point_judge_rolls_many_back() -> None:
    judged, point = corpus(Release("good", "good"), affected=0, n=60)
    assert all(o.evaluations >= len(JUDGED.regions) * 2 for o in judged)  # the judge was asked at every step
    assert count(judged, ROLLED_BACK) <= at_most(0.01, len(judged))
    assert count(judged, PROMOTED) >= at_least(0.98, len(judged))
    # the same draws through point thresholds: each step's first interval alone decides
    assert all(o.evaluations >= 1 for o in point)
    assert count(point, ROLLED_BACK) >= 0.2 * len(point)


def test_a_doubled_churn_is_caught_before_100_percent_of_the_region_it_appears_in() -> None:
    for affected in (0, 1):
        judged, _ = corpus(Release("+100% churn", "critical", churn=2.0), affected, n=40)
        too_late = REGIONS[affected].steps.index(100)  # at 100 only absolute checks judge
        in_time = [o.status == ROLLED_BACK and o.region == affected and o.step < too_late for o in judged]
        assert sum(in_time) >= at_least(0.99, len(judged)), affected


def test_a_three_percent_change_is_not_rolled_back() -> None:
    judged, _ = corpus(Release("+3% churn", "small", churn=1.03), affected=0, n=40)
    assert count(judged, ROLLED_BACK) <= at_most(0.01, len(judged))


def test_the_fleet_answers_the_promql_evaluate_builds_from_its_draws() -> None:
    fleet = Fleet()
    end = T0 + INTERVAL
    fleet.advance(np.random.default_rng(1), "NA-WEST", 0.1, MID, Release("good", "good"), end)
    fleet.advance(np.random.default_rng(2), "NA-WEST", 0.1, MID, Release("good", "good"), end + INTERVAL)
    churned = [v for _, v in fleet.counters[("NA-WEST", NEW[:12], CHURNED)]]
    seconds = int(INTERVAL.total_seconds())
    one, two = (counter_query(CHURNED, "sim", "NA-WEST", NEW[:12], k * seconds) for k in (1, 2))
    assert fleet.query(one, end + INTERVAL) == churned[1]
    assert fleet.query(two, end + INTERVAL) == sum(churned)
    assert fleet.query(two, end) == churned[0]  # nothing from the future
    exposure = counter_query(EXPOSURE, "sim", "NA-WEST", NEW[:12], seconds)
    assert fleet.query(exposure, end) == 0.1 * 100_000 * seconds
    assert fleet.query(counter_query(CHURNED, "sim", "NA-EAST", NEW[:12], seconds), end) is None  # no series
    total, squares, servers = (
        fleet.query(q, end) for q in gauge_queries("hotswap_server_health", "sim", "NA-WEST", NEW[:12])
    )
    assert servers == 100 and total is not None and squares is not None and 0.8 < total / servers < 1.0
    assert fleet.query(f"{one} / {exposure}", end) == churned[0] / (0.1 * 100_000 * seconds)  # the point policy's ratio
