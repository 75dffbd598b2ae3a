"""An event file main holds that nobody can read is shown on the status page, not a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract.instants import format_instant
from tests.conftest import git
from tests.promoter.service.harness import Api


def test_the_status_page_and_the_api_show_an_unreadable_event_file(api: Api) -> None:
    repo, game = api.repo, api.repo.game
    now = datetime.now(UTC)
    text = (
        f"apiVersion: hotswap/v1\nkind: LiveEvent\nmetadata: {{name: festival, game: {game}, version: 1.0.0}}\n"
        f"spec:\n  start: {format_instant(now)}\n  end: {format_instant(now + timedelta(days=1))}\n"
        "  regions: [NA-WEST]\n  windows: [NA-WEST]\n"
    )
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    (repo.work / f"configs/{game}/event.yaml").write_text(text)
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", "festival, windows mistyped")
    git(repo.work, "push", "-q", str(repo.remote), "main")

    listing = api.get(f"/api/v1/games/{game}/events")
    assert listing.status_code == 200 and listing.json()["events"] == []
    (problem,) = listing.json()["problems"]
    assert problem["file"] == f"configs/{game}/event.yaml" and "spec.windows[0]" in problem["problem"]
    page = api.get("/")
    assert page.status_code == 200
    assert f"cannot be read: configs/{game}/event.yaml: spec.windows[0]" in page.text
