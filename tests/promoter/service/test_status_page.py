"""The status page in a real headless Chromium: it renders the live state of a test rollout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.promoter.service.browser import FLAGS, chromium
from tests.promoter.service.harness import Api

ARTIFACTS = REPO_ROOT / "test-artifacts"


def test_the_page_shows_the_rollout_in_flight(api: Api, tmp_path: Path) -> None:
    binary = chromium()
    api.service.public_status = True
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom", api.url + "/"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    game, release = api.repo.game, api.release[:12]
    assert f'id="game-{game}"' in page
    assert f"rollout <b>{game}-{release}</b> at" in page and '<b class="step">NA-WEST/10%</b>' in page
    assert '<progress value="1" max="4"></progress>' in page
    assert f'<td class="release">{release}</td>' in page  # NA-WEST ring-10 carries the release
    assert "decisions of" in page and "deploy NA-WEST/10%" in page

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "status-page.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900", f"--screenshot={shot}", api.url + "/"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists() and shot.stat().st_size > 10_000


def test_the_page_needs_a_token_unless_public(api: Api) -> None:
    assert api.get("/", role=None).status_code == 401
    assert api.get("/", role="viewer").status_code == 200
