"""The API refuses a write whose tree fails validation with 409 and the finding; nothing moves."""

from __future__ import annotations

from tests.promoter.fixtures import BALANCE, slip_under
from tests.promoter.service.harness import Api


def test_a_rollback_that_would_push_an_invalid_tree_answers_409_with_the_finding(api: Api) -> None:
    game = api.repo.game
    ring10 = f"refs/heads/deploy/{game}/NA-WEST/ring-10"
    assert api.repo.trailers(ring10)["Hotswap-Release"] == api.release
    bootstrap = next(
        d["release"] for d in api.get("/api/v1/deployments").json()["deployments"] if d["release"] != api.release
    )
    slip_under(api.repo, ring10, {"balance.yaml": BALANCE.format(game=game, damage='"lots"')}, bootstrap)
    before = api.repo.refs()
    rollout = f"{game}-{api.release[:12]}"
    response = api.post(f"/api/v1/deployments/{rollout}/rollback", "operator", {"reason": "players report lag"})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"].startswith(f"refused to push {ring10}: configs/{game}/balance.yaml:"), body
    assert {f["ref"] for f in body["findings"]} == {ring10}
    assert all(f["file"] == f"configs/{game}/balance.yaml" and f["line"] >= 1 for f in body["findings"])
    assert api.repo.refs() == before
