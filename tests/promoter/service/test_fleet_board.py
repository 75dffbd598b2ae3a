"""The serve loop's fleet board with a stub source: drift metrics, and one failing Prometheus per pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest

from promoter.observed import Observation, Reports, Unobserved
from promoter.service.fleet import FleetBoard
from tests.promoter.observed_cases import BAD, GOOD, NOW, report, servers_on, settled


class Stub:
    def __init__(self, answers: dict[str, Observation]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def observe(self, game: str, at: datetime) -> Observation:
        self.asked.append(game)
        return self.answers[game]


def test_drift_and_servers_by_state_are_exported_per_game_and_region() -> None:
    stuck = servers_on(10, 2)
    fleet = Reports((*(report(s, BAD) for s in stuck), report(servers_on(100, 1)[0], GOOD)))
    board = FleetBoard(Stub({"g": fleet, "h": Unobserved("Prometheus at http://p: unreachable")}), max_age=0)
    registry = CollectorRegistry()
    board.register(registry)
    board.register(registry)  # once only
    board.refresh([settled(), replace(settled(), game="h")], NOW)
    text = generate_latest(registry).decode()
    assert 'hotswap_fleet_drift_servers{game="g",region="NA-WEST"} 2.0' in text
    assert 'hotswap_fleet_servers{game="g",region="NA-WEST",state="quarantined"} 2.0' in text
    assert 'hotswap_fleet_servers{game="g",region="NA-WEST",state="ok"} 1.0' in text
    assert 'hotswap_fleet_observed{game="g"} 1.0' in text and 'hotswap_fleet_observed{game="h"} 0.0' in text
    assert 'game="h",region' not in text  # unknown is absent, never 0 drift

    board.refresh([settled()], NOW)  # a game that is gone is forgotten
    assert 'game="h"' not in generate_latest(registry).decode()


def test_a_failing_prometheus_is_asked_once_per_pass() -> None:
    down = Unobserved("Prometheus at http://p: unreachable (ConnectTimeout)")
    stub = Stub({"a": down, "b": Reports(()), "c": Reports(())})
    views = FleetBoard(stub, max_age=0).refresh([replace(settled(), game=g) for g in "abc"], NOW)
    assert stub.asked == ["a"]
    assert [v.why for v in views.values()] == [down.why] * 3
