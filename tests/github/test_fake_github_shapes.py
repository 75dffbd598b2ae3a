"""The stand-in answers the way GitHub's published REST description says GitHub answers: every
response HotSwap can get from it is validated against that operation's response schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.github.fake_github import ACTIONS_MAY_NOT_OPEN, TOKEN, FakeGitHub, serve
from tests.github.openapi import DESCRIPTION, response_errors

REPO = "/repos/{owner}/{repo}"
HEADERS = {"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github+json"}


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    assert DESCRIPTION.exists(), "npm @octokit/openapi is not installed (scripts/setup.sh installs it)"
    yield from serve(FakeGitHub())


def call(fake: FakeGitHub, method: str, path: str, body: Any = None, **params: str) -> requests.Response:
    url = fake.api + path.replace("{owner}", fake.owner).replace("{repo}", fake.name)
    return requests.request(method, url, json=body, params=params, headers=HEADERS, timeout=10)


def checked(fake: FakeGitHub, method: str, template: str, path: str, status: int, body: Any = None) -> Any:
    response = call(fake, method, path, body)
    assert response.status_code == status, response.text
    errors = response_errors(method, template, status, response.json())
    assert errors == [], f"{method} {template} {status}: {errors[:10]}"
    return response.json()


def test_every_answer_has_githubs_shape(fake: FakeGitHub) -> None:
    sha = "a" * 40
    fake.open_pr(3, commits=(sha,))
    checked(fake, "GET", REPO, REPO, 200)
    checked(fake, "GET", REPO + "/issues/{issue_number}", REPO + "/issues/3", 200)
    comment = checked(
        fake, "POST", REPO + "/issues/{issue_number}/comments", REPO + "/issues/3/comments", 201, {"body": "hi"}
    )
    checked(fake, "GET", REPO + "/issues/{issue_number}/comments", REPO + "/issues/3/comments", 200)
    checked(
        fake,
        "PATCH",
        REPO + "/issues/comments/{comment_id}",
        f"{REPO}/issues/comments/{comment['id']}",
        200,
        {"body": "edited"},
    )
    status = {"state": "success", "context": "hotswap/validate", "description": "ok"}
    checked(fake, "POST", REPO + "/statuses/{sha}", f"{REPO}/statuses/{sha}", 201, status)
    deployment = {"ref": sha, "environment": "g/NA-WEST", "required_contexts": [], "auto_merge": False}
    dep = checked(fake, "POST", REPO + "/deployments", REPO + "/deployments", 201, deployment)
    checked(fake, "GET", REPO + "/deployments", REPO + "/deployments", 200)
    checked(fake, "GET", REPO + "/deployments/{deployment_id}", f"{REPO}/deployments/{dep['id']}", 200)
    statuses = REPO + "/deployments/{deployment_id}/statuses"
    here = f"{REPO}/deployments/{dep['id']}/statuses"
    checked(fake, "POST", statuses, here, 201, {"state": "in_progress", "description": "10%"})
    checked(fake, "GET", statuses, here, 200)
    pull = {"title": "t", "head": "hotswap/x", "base": "main", "body": "b"}
    opened = checked(fake, "POST", REPO + "/pulls", REPO + "/pulls", 201, pull)
    checked(fake, "GET", REPO + "/pulls", REPO + "/pulls", 200)
    checked(fake, "GET", REPO + "/pulls/{pull_number}", f"{REPO}/pulls/{opened['number']}", 200)
    checked(fake, "PATCH", REPO + "/pulls/{pull_number}", f"{REPO}/pulls/{opened['number']}", 200, {"state": "closed"})
    found = call(fake, "GET", "/search/issues", q=f"repo:{fake.owner}/{fake.name} is:pr is:merged {sha}")
    assert found.status_code == 200 and found.json()["items"][0]["number"] == 3
    assert response_errors("GET", "/search/issues", 200, found.json()) == []


def test_refusals_have_githubs_shape(fake: FakeGitHub) -> None:
    fake.open_pr(3)
    checked(fake, "GET", REPO + "/pulls/{pull_number}", REPO + "/pulls/99", 404)
    checked(fake, "GET", REPO + "/issues/{issue_number}", REPO + "/issues/99", 404)
    too_long = {"body": "x" * 65_537}
    checked(fake, "POST", REPO + "/issues/{issue_number}/comments", REPO + "/issues/3/comments", 422, too_long)
    pull = {"title": "t", "head": "hotswap/x", "base": "main"}
    checked(fake, "POST", REPO + "/pulls", REPO + "/pulls", 201, pull)
    second = checked(fake, "POST", REPO + "/pulls", REPO + "/pulls", 422, pull)
    assert "already exists" in second["errors"][0]["message"]
    fake.actions_may_open_pulls = False
    refused = checked(fake, "POST", REPO + "/pulls", REPO + "/pulls", 403, pull | {"head": "other"})
    assert refused["message"] == ACTIONS_MAY_NOT_OPEN


def test_lists_are_paged_by_link_headers_newest_pull_first(fake: FakeGitHub) -> None:
    for number in range(1, 36):
        fake.open_pr(number, head=f"b{number}")
    first = call(fake, "GET", REPO + "/pulls", state="all")
    assert [p["number"] for p in first.json()] == list(range(35, 5, -1))  # 30 a page, newest first
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.links["next"]["url"]
    rest = requests.get(first.links["next"]["url"], headers=HEADERS, timeout=10)
    assert [p["number"] for p in rest.json()] == list(range(5, 0, -1)) and "next" not in rest.links
    whole = call(fake, "GET", REPO + "/pulls", state="all", per_page="500")
    assert len(whole.json()) == 35 and "Link" not in whole.headers  # per_page is capped at 100


def test_faults_are_injected_per_route_with_githubs_headers(fake: FakeGitHub) -> None:
    fake.open_pr(3)
    fake.secondary_limit(120, method="POST", path="^/pulls$")
    limited = call(fake, "POST", REPO + "/pulls", {"title": "t", "head": "h", "base": "main"})
    assert limited.status_code == 403 and limited.headers["Retry-After"] == "120"
    assert "secondary rate limit" in limited.json()["message"]
    assert response_errors("POST", REPO + "/pulls", 403, limited.json()) == []
    assert call(fake, "GET", REPO + "/pulls/3").status_code == 200  # other routes answer
    assert call(fake, "POST", REPO + "/pulls", {"title": "t", "head": "h", "base": "main"}).status_code == 201
    fake.rate_limited(times=1, reset_in=300)
    exhausted = call(fake, "GET", REPO + "/pulls/3")
    assert exhausted.status_code == 403 and exhausted.headers["X-RateLimit-Remaining"] == "0"
    assert int(exhausted.headers["X-RateLimit-Reset"]) > 0
    assert call(fake, "GET", REPO + "/pulls/3").status_code == 200
