"""`hotswap serve`'s HTTP API on a real uvicorn server on loopback, over a real remote and Prometheus."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import jwt
import requests

from promoter.github.client import GitHubClient
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubSettings
from promoter.gitio import Remote
from promoter.reconcile import utc_now
from promoter.service.limits import RateLimiter
from tests.conftest import git
from tests.github.fake_github import TOKEN, FakeGitHub
from tests.promoter.fixtures import carries, drive
from tests.promoter.service.harness import Api, auth, token


def test_read_endpoints_and_their_shapes(api: Api) -> None:
    game = api.repo.game
    games = api.get("/api/v1/games").json()["games"]
    assert {g["game"] for g in games} == {game}
    configs = api.get(f"/api/v1/games/{game}/configs").json()
    assert configs["main"] == api.release and [r["name"] for r in configs["regions"]] == ["NA-WEST", "EU-WEST"]
    assert configs["regions"][0]["rings"]["10"]["release"] == api.release[:12]
    deployments = api.get("/api/v1/deployments").json()["deployments"]
    current = next(d for d in deployments if d["release"] == api.release)
    assert current | {"startedAt": None} == {
        "id": f"{game}-{api.release[:12]}",
        "game": game,
        "release": api.release,
        "state": "in-progress",
        "startedAt": None,
        "endedAt": None,
        "region": "NA-WEST",
        "step": 10,
        "strategy": "canary",
        "stage": "10%",
        "switchAt": None,
        "events": 1,
    }
    one = api.get(f"/api/v1/deployments/{current['id']}").json()
    assert one["history"][0]["type"] == "deploy"
    metrics = api.get(f"/api/v1/deployments/{current['id']}/metrics").json()
    assert metrics == {"id": current["id"], "at": None, "region": None, "step": None, "outcome": None, "checks": []}
    assert api.get("/api/v1/deployments/nope").status_code == 404
    assert api.get("/api/v1/games/nope/configs").status_code == 404
    assert api.get("/healthz", role=None).json() == {"ok": True, "loop": "not started", "loopBeatAgeSeconds": None}
    assert api.get("/readyz", role=None).status_code == 200
    assert "hotswap_reconcile_duration_seconds_count 1.0" in api.get("/metrics", role=None).text


ENDPOINTS = [
    ("GET", "/api/v1/games", "viewer"),
    ("GET", "/api/v1/deployments", "viewer"),
    ("POST", "/api/v1/deployments/{id}/approve", "operator"),
    ("POST", "/api/v1/deployments/{id}/rollback", "operator"),
    ("POST", "/api/v1/game-configs", "admin"),
]


def test_the_authentication_and_authorization_matrix(api: Api) -> None:
    rollout = f"{api.repo.game}-{api.release[:12]}"
    forged = jwt.encode(
        {"sub": "mallory", "role": "admin", "exp": int(time.time() + 60)},
        "wrong-secret-wrong-secret-wrong-secret",
        algorithm="HS256",
    )
    expired = token("admin", expires=-60)
    unsigned = jwt.encode({"sub": "mallory", "role": "admin", "exp": int(time.time() + 60)}, "", algorithm="none")
    for method, path, needed in ENDPOINTS:
        url = api.url + path.replace("{id}", rollout)
        for header in (None, forged, expired, unsigned, "not-a-jwt"):
            headers = {"Authorization": f"Bearer {header}"} if header else {}
            response = requests.request(method, url, headers=headers, json={}, timeout=10)
            assert response.status_code == 401, (path, header)
            assert response.headers["WWW-Authenticate"] == "Bearer"
        for role in ("viewer", "operator", "admin"):
            if ("viewer", "operator", "admin").index(role) < ("viewer", "operator", "admin").index(needed):
                response = requests.request(method, url, headers=auth(role), json={}, timeout=10)
                assert response.status_code == 403, (path, role)
    # with the needed role the request is judged on its content
    assert api.post(f"/api/v1/deployments/{rollout}/approve", "operator", {}).status_code == 422


def test_approve_and_rollback_through_the_api(api: Api) -> None:
    rollout = f"{api.repo.game}-{api.release[:12]}"
    assert (
        api.post(f"/api/v1/deployments/{rollout}/approve", "operator", {"region": "NA-WEST"}).status_code == 409
    )  # nothing waits
    response = api.post(f"/api/v1/deployments/{rollout}/rollback", "operator", {"reason": "players report lag"})
    assert response.status_code == 200, response.text
    assert response.json()["by"] == "alice"
    assert api.get(f"/api/v1/deployments/{rollout}").json()["state"] == "rolled-back"
    assert api.repo.trailers(f"refs/heads/deploy/{api.repo.game}/NA-WEST/ring-10")["Hotswap-Rollback-Of"] == api.release


def test_actions_apply_only_to_the_rollout_named_and_retries_change_nothing(api: Api) -> None:
    game = api.repo.game
    rollout = f"{game}-{api.release[:12]}"
    (bootstrap,) = [d for d in api.get("/api/v1/deployments").json()["deployments"] if d["release"] != api.release]
    assert bootstrap["state"] == "succeeded"
    refs = api.repo.refs()
    # A finished rollout cannot be approved or rolled back through its id: 409 with its state.
    for action, body in (("approve", {"region": "EU-WEST"}), ("rollback", {"reason": "wrong id"})):
        response = api.post(f"/api/v1/deployments/{bootstrap['id']}/{action}", "operator", body)
        assert response.status_code == 409 and response.json()["state"] == "succeeded", response.text
    assert api.repo.refs() == refs

    first = api.post(f"/api/v1/deployments/{rollout}/rollback", "operator", {"reason": "players report lag"})
    assert first.status_code == 200 and first.json()["changed"] is True, first.text
    assert first.json()["release"] == api.release
    refs = api.repo.refs()
    # The same URL again: the earlier result, and no other release is touched.
    again = api.post(f"/api/v1/deployments/{rollout}/rollback", "operator", {"reason": "players report lag"})
    assert again.status_code == 200 and again.json()["changed"] is False, again.text
    assert "already rolled back" in again.json()["result"]
    assert api.repo.refs() == refs
    assert api.post(f"/api/v1/deployments/{rollout}/approve", "operator", {"region": "NA-WEST"}).status_code == 409


def test_a_bad_config_gets_422_with_findings_and_nothing_is_written(api: Api) -> None:
    before = api.repo.refs()
    path = f"configs/{api.repo.game}/balance.yaml"
    bad = (api.repo.work / path).read_text().replace("damage: 46", "damage: 999999")
    response = api.post("/api/v1/game-configs", "admin", {"path": path, "content": bad})
    assert response.status_code == 422
    (finding,) = response.json()["findings"]
    assert finding["file"] == path and finding["rule"] == "schema" and finding["line"] == 6
    assert api.post("/api/v1/game-configs", "admin", {"path": "../etc/passwd", "content": 1}).json()[
        "fields"
    ].keys() == {"path", "content"}
    assert api.repo.refs() == before


def test_an_admin_whose_subject_holds_a_control_character_proposes_nothing(api: Api) -> None:
    # the subject is written into the proposal's commit (Proposed-By): a NUL would cut it short
    before = api.repo.refs()
    path = f"configs/{api.repo.game}/balance.yaml"
    good = (api.repo.work / path).read_text().replace("damage: 46", "damage: 50")
    subject = "ops\u0000x"
    headers = {"Authorization": f"Bearer {token('admin', sub=subject)}"}
    response = api.post("/api/v1/game-configs", None, {"path": path, "content": good}, headers=headers)
    assert response.status_code == 422 and "U+0000" in response.json()["fields"]["by"]
    assert api.repo.refs() == before


def test_a_good_config_becomes_a_branch_never_main(api: Api) -> None:
    main = git(api.repo.remote, "rev-parse", "main")
    path = f"configs/{api.repo.game}/balance.yaml"
    good = (api.repo.work / path).read_text().replace("damage: 46", "damage: 50")
    response = api.post("/api/v1/game-configs", "admin", {"path": path, "content": good})
    assert response.status_code == 201, response.text
    branch = response.json()["branch"]
    assert branch.startswith(f"hotswap/config/{api.repo.game}-balance-")
    assert "damage: 50" in git(api.repo.remote, "show", f"{branch}:{path}")
    assert git(api.repo.remote, "rev-parse", "main") == main


def test_with_github_a_good_config_opens_one_pull_request(api: Api, fake_github: FakeGitHub) -> None:
    api.service.github = GitHubClient(
        GitHubSettings(f"{fake_github.owner}/{fake_github.name}", TOKEN, fake_github.base)
    )
    path = f"configs/{api.repo.game}/balance.yaml"
    good = (api.repo.work / path).read_text().replace("damage: 46", "damage: 51")
    fake_github.fail(503)  # GitHub down: the branch is pushed, the pull request is owed
    response = api.post("/api/v1/game-configs", "admin", {"path": path, "content": good})
    assert response.status_code == 202, response.text
    assert response.json()["pullRequest"] is None and "503" in response.json()["github"]
    branch = response.json()["branch"]
    assert "damage: 51" in git(api.repo.remote, "show", f"{branch}:{path}")

    fake_github.heal()
    response = api.post("/api/v1/game-configs", "admin", {"path": path, "content": good})
    assert response.status_code == 200, response.text  # the branch was there: its pull request opened now
    number = response.json()["pullRequest"]["number"]
    assert fake_github.pulls[number]["head"] == branch and fake_github.pulls[number]["base"] == "main"
    again = api.post("/api/v1/game-configs", "admin", {"path": path, "content": good})
    assert again.json()["pullRequest"]["number"] == number and len(fake_github.pulls) == 1  # not twice
    assert TOKEN not in response.text


def test_a_proposal_branch_pushed_in_advance_is_not_used(api: Api, fake_github: FakeGitHub) -> None:
    api.service.github = GitHubClient(
        GitHubSettings(f"{fake_github.owner}/{fake_github.name}", TOKEN, fake_github.base)
    )
    path = f"configs/{api.repo.game}/balance.yaml"
    good = (api.repo.work / path).read_text().replace("damage: 46", "damage: 52")
    # Someone who can push prepares the predictable branch: the change plus a workflow of their own.
    branch = f"hotswap/config/{api.repo.game}-balance-{hashlib.sha256(good.encode()).hexdigest()[:12]}"
    work = api.repo.work
    git(work, "checkout", "-q", "-b", "planted")
    (work / path).write_text(good)
    (work / ".github").mkdir(exist_ok=True)
    (work / ".github" / "steal.yml").write_text("on: push\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "planted\n\nProposed-By: mallory")
    git(work, "push", "-q", str(api.repo.remote), f"planted:refs/heads/{branch}")
    git(work, "checkout", "-q", "main")
    response = api.post("/api/v1/game-configs", "admin", {"path": path, "content": good})
    assert response.status_code == 409 and "not used" in response.json()["error"], response.text
    assert fake_github.pulls == {}


def test_github_is_told_outside_the_lock_and_its_failures_are_counted(api: Api, fake_github: FakeGitHub) -> None:
    client = GitHubClient(GitHubSettings(f"{fake_github.owner}/{fake_github.name}", TOKEN, fake_github.base))
    api.service.notifier = Notifier(Remote(api.repo.url, api.service.remote.path.parent / "notify"), client, utc_now)
    fake_github.hang()
    telling = threading.Thread(target=api.service.notify_once)
    telling.start()
    assert fake_github.holding.wait(10)
    # GitHub hangs mid-call, and the API still answers (the notifier does not hold the service's lock)
    assert api.get("/api/v1/deployments").status_code == 200
    assert telling.is_alive()
    fake_github.release()
    telling.join(30)
    assert api.service.last_notify_error is None
    (deployment,) = fake_github.deployments.values()
    assert deployment["environment"] == f"{api.repo.game}/NA-WEST" and deployment["ref"] == api.release

    drive(api.service.reconcile_once, lambda: carries(api.repo, api.release, [("NA-WEST", 50)]))
    fake_github.fail(500)  # the step to 50% is owed to GitHub now
    api.service.notify_once()
    assert "500" in (api.service.last_notify_error or "")
    exported = api.get("/metrics", role=None).text
    assert 'hotswap_errors_total{kind="github"} 1.0' in exported
    # told: the deployment, its first status, the search for the release's pull request; owed: the 50% status
    assert "hotswap_github_owed 1.0" in exported and "hotswap_github_told_total 3.0" in exported


def test_oversized_bodies_get_413(api: Api) -> None:
    big = b"{" + b" " * (1 << 20) + b"}"
    response = requests.post(
        api.url + "/api/v1/game-configs",
        data=big,
        headers=auth("admin") | {"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413


def test_a_burst_gets_429_with_retry_after(api: Api) -> None:
    api.service.limiter = RateLimiter(rate=1.0, burst=5)
    codes = [api.get("/api/v1/games").status_code for _ in range(12)]
    assert codes[:5] == [200] * 5 and 429 in codes
    limited = next(r for r in (api.get("/api/v1/games") for _ in range(3)) if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert api.get("/healthz", role=None).status_code == 200  # probes are never limited


def test_a_game_whose_ledger_cannot_be_read_leaves_the_api_answering(api: Api, tmp_path: Path) -> None:
    scratch = tmp_path / "ledger-work"
    git(tmp_path, "clone", "-q", "-b", "hotswap/ledger", str(api.repo.remote), str(scratch))
    (scratch / "rollouts" / api.repo.game / "x.json").write_text('{"release": ' + "9" * 5000 + "}")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "broken")
    git(scratch, "push", "-q", "origin", "hotswap/ledger")
    api.service.reconcile_once()  # fetches: the pass reports the game's error and goes on
    for path in ("/api/v1/games", "/api/v1/deployments", "/"):
        assert api.get(path).status_code == 200, path
    assert 'hotswap_errors_total{kind="internal"}' in api.get("/metrics", role=None).text
