from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github.fake_github import FakeGitHub, serve
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
