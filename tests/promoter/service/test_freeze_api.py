"""Lifting a freeze through the API on a real server: operator only, a reason required, recorded in
the ledger with who and why, and asking again writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract.instants import format_instant
from tests.promoter.fixtures import POLICY
from tests.promoter.service.harness import Api


def test_an_operator_lifts_a_freeze_merged_on_main_and_the_ledger_says_who_and_why(api: Api) -> None:
    repo, game = api.repo, api.repo.game
    now = datetime.now(UTC).replace(microsecond=0)
    window = f"{{start: {format_instant(now - timedelta(hours=1))}, end: {format_instant(now + timedelta(hours=1))}, reason: patch day}}"
    policy = POLICY.format(game=game, approval="") + f"  freeze:\n    - {window}\n"
    repo.commit(files={f"configs/{game}/rollout-policy.yaml": policy}, message="freeze")

    path = f"/api/v1/games/{game}/lift-freeze"
    assert api.post(path, None, {"reason": "typo"}).status_code == 401
    assert api.post(path, "viewer", {"reason": "typo"}).status_code == 403
    assert api.post(path, "operator", {}).status_code == 422
    assert api.post("/api/v1/games/nope/lift-freeze", "operator", {"reason": "typo"}).status_code == 404
    lifted = api.post(path, "operator", {"reason": "the freeze was a typo"})
    assert lifted.status_code == 200 and lifted.json()["changed"] is True and lifted.json()["by"] == "alice", (
        lifted.text
    )
    (event,) = [e for e in repo.events(api.release) if e["type"] == "lift-freeze"]
    assert event["by"] == "alice" and event["reason"] == "the freeze was a typo"
    again = api.post(path, "operator", {"reason": "the freeze was a typo"})
    assert again.status_code == 200 and again.json()["changed"] is False
