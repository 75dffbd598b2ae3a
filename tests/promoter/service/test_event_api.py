"""The live-event endpoints on a real server: list (viewer), stop (operator), the answers' codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract.instants import format_instant
from tests.conftest import git
from tests.promoter.fixtures import EVENT, GameRepo, pushes
from tests.promoter.service.harness import Api


def push_festival(repo: GameRepo, times: dict[str, datetime]) -> None:
    """Main gains the event `festival` with these times."""
    text = EVENT.format(game=repo.game, **{k: format_instant(v) for k, v in times.items()})
    git(repo.work, "pull", "-q", "--rebase", str(repo.remote), "main")
    (repo.work / f"configs/{repo.game}/event.yaml").write_text(text)
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", "festival")
    git(repo.work, "push", "-q", str(repo.remote), "main")


def test_list_and_stop_an_event_through_the_api(api: Api) -> None:
    repo, game = api.repo, api.repo.game
    now = datetime.now(UTC)
    times = {"start": now - timedelta(hours=1), "end": now + timedelta(hours=5), "later": now + timedelta(days=1)}
    push_festival(repo, times)

    listing = api.get(f"/api/v1/games/{game}/events")
    assert listing.status_code == 200
    (event,) = listing.json()["events"]
    assert event["name"] == "festival" and event["state"] == "active"
    assert [r["served"] for r in event["regions"]] == [None, None]  # on main, not on the rings yet
    assert event["nextBoundary"] == format_instant(times["end"])
    assert api.get(f"/api/v1/games/{game}/events", role=None).status_code == 401
    assert api.get("/api/v1/games/nope/events").status_code == 404

    path = f"/api/v1/games/{game}/events/festival/stop"
    assert api.post(path, "viewer", {"reason": "exploit"}).status_code == 403
    assert api.post(path, "operator", {}).status_code == 422
    assert api.post(f"/api/v1/games/{game}/events/nope/stop", "operator", {"reason": "x"}).status_code == 404
    before = len(pushes(repo))
    stopped = api.post(path, "operator", {"reason": "exploit"})
    assert stopped.status_code == 200 and stopped.json()["changed"] is True and stopped.json()["by"] == "alice"
    assert len(pushes(repo)) == before + 1 and set(pushes(repo)[-1]) == {"refs/heads/main", "refs/heads/hotswap/ledger"}
    again = api.post(path, "operator", {"reason": "exploit"})
    assert again.status_code == 200 and again.json()["changed"] is False and len(pushes(repo)) == before + 1
    (event,) = api.get(f"/api/v1/games/{game}/events").json()["events"]
    assert event["state"] == "ended" and event["stopped"]["reason"] == "exploit"
    page = api.get("/").text
    assert 'id="live-events"' in page and "stopped by alice: exploit" in page


def test_a_refused_push_answers_409_and_an_unreachable_remote_503(api: Api) -> None:
    repo, game = api.repo, api.repo.game
    now = datetime.now(UTC)
    times = {"start": now - timedelta(hours=1), "end": now + timedelta(hours=5), "later": now + timedelta(days=1)}
    push_festival(repo, times)
    path = f"/api/v1/games/{game}/events/festival/stop"
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n")
    hook.chmod(0o755)
    refused = api.post(path, "operator", {"reason": "exploit"})
    assert refused.status_code == 409 and refused.json()["kind"] == "git-push", refused.text
    assert "refused the stop of festival" in refused.json()["error"]
    hook.unlink()
    moved = repo.remote.with_name("moved.git")
    repo.remote.rename(moved)
    try:
        down = api.post(path, "operator", {"reason": "exploit"})
    finally:
        moved.rename(repo.remote)
    assert down.status_code == 503 and down.json()["kind"] == "git", down.text
    assert api.post(path, "operator", {"reason": "exploit"}).json()["changed"] is True
