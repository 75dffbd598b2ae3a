"""The agent's fixtures: a ring repository, a running sidecar (the helpers live in tests/agent/fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.fixtures import RingRepo, Sidecar, wait_for


@pytest.fixture
def ring_repo(tmp_path: Path) -> RingRepo:
    return RingRepo(tmp_path)


@pytest.fixture
def sidecar(ring_repo: RingRepo, tmp_path: Path) -> Iterator[Sidecar]:
    ring_repo.deploy(45)
    (tmp_path / "server").mkdir()
    process = Sidecar(ring_repo.remote, tmp_path / "server" / "config")
    try:
        wait_for(lambda: process.serves(45) and process.revisions() == ["450000000000"])
        yield process
    finally:
        process.stop()
