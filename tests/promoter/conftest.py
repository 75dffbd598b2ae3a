from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.github.fake_github import FakeGitHub, serve
from tests.promoter.fakes import FakeClock, InMemoryMetrics
from tests.promoter.fixtures import Fleet, start_fleet


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """One Prometheus for the session, scraping the test exporter every second."""
    fleet = start_fleet(tmp_path_factory.mktemp("prometheus"))
    yield fleet
    fleet.prometheus.stop()


_games = iter(range(10_000))


@pytest.fixture
def game_name() -> str:
    """A game name unique in the session: each test's revisions and series are its own."""
    return f"game-{next(_games):03d}"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A local server speaking GitHub's REST API, recording every call."""
    yield from serve(FakeGitHub())


@pytest.fixture
def metrics() -> InMemoryMetrics:
    """Numbers for `decide` without Prometheus (gauges of fixtures.POLICY; see tests/promoter/fakes.py)."""
    return InMemoryMetrics()


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock standing at 23:46 UTC until the test moves it: late enough that a day-long window
    crosses midnight, whatever the hour the suite runs."""
    return FakeClock(datetime(2026, 11, 29, 23, 46, tzinfo=UTC))
