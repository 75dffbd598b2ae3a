"""Desired vs observed, with plain values: promoter/observed.py and the adapter's parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promoter.fleet_reports import FleetUnobservable, merge, parse_vector
from promoter.observed import (
    FleetView,
    Reports,
    Unobserved,
    describe,
    fleet_json,
    honest_summary,
    observe,
    ring_observed,
)
from promoter.status import game_status
from tests.promoter.observed_cases import BAD, GOOD, NOW, OTHER, RINGS, report, servers_on, settled, snapshot


def test_every_server_on_its_rings_release_is_converged() -> None:
    fleet = [report(s, GOOD) for ring in RINGS for s in servers_on(ring, 2)]
    view = observe(settled(), Reports(tuple(fleet)), NOW)
    assert view.converged and {s.state for s in view.servers} == {"ok"}
    assert {s.ring for s in view.servers} == set(RINGS) and view.drift() == 0


def test_servers_on_a_quarantined_revision_are_named_and_never_up_to_date() -> None:
    stuck = servers_on(10, 3)
    fleet = [report(s, BAD) for s in stuck] + [report(s, GOOD) for s in servers_on(100, 4)]
    view = observe(settled(), Reports(tuple(fleet)), NOW)
    assert not view.converged
    assert [s.server for s in view.servers if s.state == "quarantined"] == stuck
    assert view.drift("NA-WEST") == 3 and view.drift("EU-WEST") == 0
    assert ring_observed(view, "NA-WEST", 10) == {
        "servers": 3,
        "revisions": {BAD[:12]: 3},
        "states": {"ok": 0, "drift": 0, "quarantined": 3, "unknown": 0, "stale": 0},
    }
    summary = honest_summary("up to date: every region serves aaaaaaaaaaaa", view)
    assert "up to date" not in summary and "3 on a quarantined revision" in summary and stuck[0] in summary


def test_a_ring_whose_branch_carries_a_quarantined_release_is_not_ok_either() -> None:
    snap = settled()
    snap = snapshot({**{k: GOOD for k in snap.rings}, ("NA-WEST", 10): BAD}, quarantined=(BAD,))
    (server,) = servers_on(10, 1)
    view = observe(snap, Reports((report(server, BAD),)), NOW)
    assert view.servers[0].desired == BAD[:12] and view.servers[0].state == "quarantined"


def test_states_of_drift_unknown_and_stale() -> None:
    a, b = servers_on(50, 2)
    c = servers_on(100, 1)[0]
    fleet = (
        report(a, OTHER),  # a revision this game never had: unknown
        report(b, GOOD, age=61),  # last report over the threshold: stale
        report(c, None),  # no revision: unknown
        report("eu-1", GOOD, region="AP-SOUTH"),  # a region without ring branches: unknown
    )
    view = observe(settled(), Reports(fleet), NOW, stale_after=60)
    assert {s.server: s.state for s in view.servers} == {a: "unknown", b: "stale", c: "unknown", "eu-1": "unknown"}
    assert observe(settled(), Reports((report(b, GOOD, age=59),)), NOW, stale_after=60).converged


def test_a_previous_release_is_drift_not_unknown() -> None:
    snap = settled(release=OTHER)  # the refs moved to OTHER; GOOD was bootstrapped before
    (server,) = servers_on(100, 1)
    view = observe(snap, Reports((report(server, GOOD),)), NOW)
    assert view.servers[0].state == "drift" and view.drift() == 1


def test_no_reports_or_no_prometheus_is_never_up_to_date() -> None:
    refs = "up to date: every region serves aaaaaaaaaaaa"
    empty = observe(settled(), Reports(()), NOW)
    assert not empty.converged and "up to date" not in honest_summary(refs, empty)
    unknown = observe(settled(), Unobserved("Prometheus at http://p: unreachable (ConnectionError)"), NOW)
    assert not unknown.known and ring_observed(unknown, "NA-WEST", 10) is None
    text = honest_summary(refs, unknown)
    assert "up to date" not in text and "observed: unknown (Prometheus at http://p: unreachable" in text
    assert fleet_json(unknown, NOW)["known"] is False


def test_a_matching_fleet_keeps_up_to_date() -> None:
    view = observe(settled(), Reports((report(servers_on(100, 1)[0], GOOD),)), NOW)
    assert honest_summary("up to date: every region serves aaaaaaaaaaaa", view).startswith("up to date")
    assert describe(view) == "observed: 1/1 servers on their ring's release"


def test_status_json_carries_desired_and_observed_per_ring() -> None:
    stuck = servers_on(10, 2)
    view = observe(settled(), Reports(tuple(report(s, BAD) for s in stuck)), NOW)
    status = game_status(settled(), NOW, view)
    assert status["upToDate"] is False and status["refs"].startswith("up to date")
    assert "up to date" not in status["summary"]
    na_west = next(r for r in status["regions"] if r["name"] == "NA-WEST")
    assert na_west["observed"]["drift"] == 2
    ring10 = na_west["rings"]["10"]
    assert ring10["release"] == GOOD[:12] and ring10["observed"]["revisions"] == {BAD[:12]: 2}
    assert status["observed"]["quarantined"] == stuck
    assert status["rollbacks"][0]["reason"] == "critical churn"
    assert game_status(settled(), NOW)["observed"]["known"] is False  # not observed: never up to date
    assert game_status(settled(), NOW)["upToDate"] is False


def sample(value: float, **labels: str) -> dict[str, object]:
    return {"metric": labels, "value": [1.0, str(value)]}


def vector(*samples: dict[str, object]) -> dict[str, object]:
    return {"status": "success", "data": {"resultType": "vector", "result": list(samples)}}


@pytest.mark.parametrize(
    "body",
    [
        "<html>proxy</html>",
        {"status": "error", "error": "bad query"},
        {"status": "success", "data": {"resultType": "matrix", "result": []}},
        {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}},
    ],
)
def test_an_answer_that_is_not_a_vector_is_unobservable(body: object) -> None:
    with pytest.raises(FleetUnobservable):
        parse_vector(body)


def test_merge_takes_the_newest_of_scrape_and_ring_read_and_remembers_gone_servers() -> None:
    t = NOW.timestamp()
    live = parse_vector(vector(sample(t - 2, region="R", server="s1", config_revision="aaa")))
    reads = parse_vector(vector(sample(t - 1, region="R", server="s1"), sample(t - 300, region="R", server="gone")))
    remembered = parse_vector(
        vector(
            sample(1, region="R", server="s1", config_revision="old"),
            sample(1, region="R", server="s1", config_revision="aaa"),
            sample(1, region="R", server="gone", config_revision="bbb"),
            sample(1, region="R", server="twice", config_revision="x"),
            sample(1, region="R", server="twice", config_revision="y"),
        )
    )
    got = {r.server: (r.revision, r.last_report) for r in merge(live, reads, remembered)}
    assert got == {
        "s1": ("aaa", datetime.fromtimestamp(t - 1, UTC)),
        "gone": ("bbb", datetime.fromtimestamp(t - 300, UTC)),
        "twice": (None, None),  # ambiguous revision, no report time: listed, as stale
    }
    assert isinstance(observe(settled(), Reports(()), NOW), FleetView)
