from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.promoter.fixtures import Fleet
from tests.promoter.service.harness import Api, serve_api


@pytest.fixture
def api(tmp_path: Path, fleet: Fleet, game_name: str) -> Iterator[Api]:
    yield from serve_api(tmp_path, fleet, game_name)
