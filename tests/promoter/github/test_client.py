"""The github3.py adapter against a local server speaking GitHub's REST API."""

from __future__ import annotations

import time
from pathlib import Path

import github3
import pytest

from promoter.github.client import MAX_HOLD, GitHubClient, Verdict, classify
from promoter.github.port import GitHubRefused, GitHubSettings, GitHubSettingsError, GitHubUnavailable
from tests.github.fake_github import TOKEN, FakeGitHub, Fault, serve
from tests.promoter.fixtures import free_port


def client(fake: FakeGitHub, token: str = TOKEN) -> GitHubClient:
    return GitHubClient(GitHubSettings(f"{fake.owner}/{fake.name}", token, fake.base))


def test_one_comment_per_marker_created_once_then_edited(fake_github: FakeGitHub) -> None:
    fake_github.open_pr(4)
    gh = client(fake_github)
    first = gh.upsert_comment(4, "<!-- m -->", "<!-- m -->\none")
    assert gh.upsert_comment(4, "<!-- m -->", "<!-- m -->\ntwo") == first
    assert gh.upsert_comment(4, "<!-- other -->", "<!-- other -->\nthree") != first
    assert fake_github.comments_on(4) == ["<!-- m -->\ntwo", "<!-- other -->\nthree"]
    gh.upsert_comment(4, "<!-- m -->", "<!-- m -->\ntwo")  # unchanged: not edited again
    assert [c.method for c in fake_github.writes()] == ["POST", "PATCH", "POST"]


def test_a_pull_request_is_found_by_its_branch_not_opened_twice(fake_github: FakeGitHub) -> None:
    gh = client(fake_github)
    opened = gh.open_pull("hotswap/revert-abc", "main", "Revert", "why")
    assert gh.open_pull("hotswap/revert-abc", "main", "Revert", "why") == opened
    assert (opened.state, opened.merged) == ("open", False) and len(fake_github.pulls) == 1
    fake_github.close_pr(opened.number, merged=True)
    assert gh.pull(opened.number).merged
    deployment = gh.deployment("a" * 40, "g/NA-WEST", "to NA-WEST")
    assert gh.deployment("a" * 40, "g/NA-WEST", "again") == deployment and len(fake_github.deployments) == 1
    gh.deployment_status(deployment, "in_progress", "x" * 300)  # cut to GitHub's 140 characters
    assert len(fake_github.deployment_statuses[deployment][0]["description"]) == 140


@pytest.mark.parametrize(("status", "word"), [(500, "500"), (502, "502"), (429, "429"), (403, "rate limit")])
def test_transient_failures_are_retryable_and_without_the_token(
    fake_github: FakeGitHub, status: int, word: str
) -> None:
    fake_github.fail(status)
    with pytest.raises(GitHubUnavailable) as caught:
        client(fake_github).commit_status("a" * 40, "success", "hotswap/validate", "ok", None)
    assert word in str(caught.value) and TOKEN not in str(caught.value)
    assert caught.value.retryable and not isinstance(caught.value, GitHubRefused)


def test_a_4xx_is_refused_for_good_a_bad_token_and_no_server_are_transient(fake_github: FakeGitHub) -> None:
    with pytest.raises(GitHubRefused, match="422") as refused:
        client(fake_github).open_pull("branch", "main", "", "no title")
    assert not refused.value.retryable and refused.value.kind == "github"
    with pytest.raises(GitHubRefused, match="404"):  # a pull request number that does not exist
        client(fake_github).pull(77)
    with pytest.raises(GitHubRefused, match="404"):
        client(fake_github).upsert_comment(77, "<!-- m -->", "<!-- m -->")
    fake_github.actions_may_open_pulls = False
    with pytest.raises(GitHubRefused, match="403 GitHub Actions is not permitted"):
        client(fake_github).open_pull("branch", "main", "title", "body")
    fake_github.fault(Fault(422, "POST", "^/deployments$", message="No ref found for: " + "e" * 40))
    with pytest.raises(GitHubRefused, match="No ref found"):
        client(fake_github).deployment("e" * 40, "g/NA-WEST", "x")
    with pytest.raises(GitHubUnavailable, match="401") as bad_token:
        client(fake_github, "ghp_wrong").pull(1)
    assert bad_token.value.retryable  # the token, not the item: every item would fail the same way
    nobody = FakeGitHub(base=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(GitHubUnavailable, match="ConnectionError"):
        client(nobody).pull(1)


@pytest.mark.parametrize(
    ("status", "headers", "message", "verdict"),
    [
        (503, {}, "", Verdict(True, None)),
        (502, {"Retry-After": "30"}, "", Verdict(True, 1030.0)),
        (429, {"retry-after": "7"}, "", Verdict(True, 1007.0)),
        (
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1300"},
            "API rate limit exceeded",
            Verdict(True, 1300.0),
        ),
        (403, {"Retry-After": "90"}, "You have exceeded a secondary rate limit.", Verdict(True, 1090.0)),
        (403, {}, "You have exceeded a secondary rate limit.", Verdict(True, 1060.0)),  # at least a minute
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "999999"}, "", Verdict(True, 1000.0 + MAX_HOLD)),
        (403, {"Retry-After": "Thu, 01 Jan 1970 00:17:00 GMT"}, "secondary rate limit", Verdict(True, 1020.0)),
        (403, {}, "GitHub Actions is not permitted to create or approve pull requests.", Verdict(False, None)),
        (404, {}, "Not Found", Verdict(False, None)),
        (422, {}, "Validation Failed", Verdict(False, None)),
        (401, {}, "Bad credentials", Verdict(True, None)),
    ],
)
def test_answers_are_classified(status: int, headers: dict[str, str], message: str, verdict: Verdict) -> None:
    assert classify(status, headers, message, now=1000.0) == verdict


@pytest.mark.parametrize("limit", ["secondary", "primary", "429"])
def test_no_call_until_github_says_so(fake_github: FakeGitHub, limit: str) -> None:
    fake_github.open_pr(4)
    now = [time.time()]
    gh = GitHubClient(
        GitHubSettings(f"{fake_github.owner}/{fake_github.name}", TOKEN, fake_github.base), lambda: now[0]
    )
    if limit == "secondary":
        fake_github.secondary_limit(120)
    elif limit == "primary":
        fake_github.rate_limited(times=1, reset_in=120)
    else:
        fake_github.fault(Fault(429, times=1, message="Too Many Requests", headers={"Retry-After": "120"}))
    with pytest.raises(GitHubUnavailable) as first:
        gh.pull(4)
    assert first.value.retryable
    calls = len(fake_github.calls)
    now[0] += 100
    with pytest.raises(GitHubUnavailable, match="not asked"):
        gh.pull(4)
    assert len(fake_github.calls) == calls  # held: GitHub was not called at all
    now[0] += 25
    assert gh.pull(4).number == 4


def test_a_deployment_is_found_past_a_hundred_others_never_duplicated(fake_github: FakeGitHub) -> None:
    gh = client(fake_github)
    ours = gh.deployment("a" * 40, "g/NA-WEST", "to NA-WEST")
    for i in range(150):  # newer deployments of other releases and regions: GitHub lists newest first
        fake_github.deployments[10**8 + i] = {
            "ref": f"{i:040x}",
            "environment": "g/EU-WEST" if i % 2 else "g/NA-WEST",
            "description": "",
            "payload": {},
            "created_at": "2026-01-01T00:00:00Z",
        }
    assert client(fake_github).deployment("a" * 40, "g/NA-WEST", "again") == ours
    assert len(fake_github.deployments) == 151
    lookups = [c for c in fake_github.calls if c.method == "GET" and c.path == "/deployments"]
    assert len(lookups) == 2 and all("environment=g%2FNA-WEST" in c.query and "ref=a" in c.query for c in lookups)
    assert [c.method for c in fake_github.writes()] == ["POST"]


def test_a_comment_over_githubs_limit_is_cut_not_refused(fake_github: FakeGitHub) -> None:
    fake_github.open_pr(4)
    client(fake_github).upsert_comment(4, "<!-- m -->", "<!-- m -->\n" + "x" * 70_000)
    (body,) = fake_github.comments_on(4)
    assert len(body) <= 65_536 and body.startswith("<!-- m -->") and "cut" in body[-60:]


def test_the_open_pull_request_of_a_branch_is_found_among_many(fake_github: FakeGitHub) -> None:
    gh = client(fake_github)
    first = gh.open_pull("hotswap/revert-a", "main", "Revert", "why")
    for number in range(40):
        fake_github.open_pr(100 + number, head=f"feature-{number}")
    assert gh.open_pull("hotswap/revert-a", "main", "Revert", "why") == first
    assert len([p for p in fake_github.pulls.values() if p["head"] == "hotswap/revert-a"]) == 1


def test_settings_come_from_the_environment_and_never_show_the_token() -> None:
    assert GitHubSettings.from_env({}) is None
    with pytest.raises(GitHubSettingsError, match="GITHUB_REPOSITORY"):
        GitHubSettings.from_env({"GITHUB_TOKEN": "t"})
    with pytest.raises(GitHubSettingsError):
        GitHubSettings.from_env({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "a/b", "HOTSWAP_GITHUB_URL": "ftp://x"})
    cloud = GitHubSettings.from_env({"GITHUB_TOKEN": "secret-t", "GITHUB_REPOSITORY": "a/b"})
    assert cloud is not None and "secret-t" not in repr(cloud)
    assert type(GitHubClient(cloud).gh) is github3.GitHub
    enterprise = GitHubSettings.from_env(
        {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "a/b", "GITHUB_SERVER_URL": "https://ghe.example.com/"}
    )
    assert enterprise is not None and enterprise.server == "https://ghe.example.com"
    assert GitHubClient(enterprise).gh.session.base_url == "https://ghe.example.com/api/v3"


@pytest.mark.parametrize(
    ("env", "api"),
    [
        ({}, "https://api.github.com"),
        ({"GITHUB_SERVER_URL": "https://ghe.example.com", "GITHUB_API_URL": "https://ghe.example.com/api/v3"}, None),
        ({"GITHUB_SERVER_URL": "https://studio.ghe.com"}, "https://api.studio.ghe.com"),  # data residency
        ({"GITHUB_SERVER_URL": "https://studio.ghe.com", "GITHUB_API_URL": "https://api.studio.ghe.com/"}, None),
        # HOTSWAP_GITHUB_URL names another server: Actions' GITHUB_API_URL does not point elsewhere
        ({"HOTSWAP_GITHUB_URL": "https://ghe.example.com", "GITHUB_API_URL": "https://api.github.com"}, None),
        ({"HOTSWAP_GITHUB_API_URL": "https://proxy.example/api"}, "https://proxy.example/api"),
    ],
)
def test_the_api_root_follows_githubs_layouts(env: dict[str, str], api: str | None) -> None:
    settings = GitHubSettings.from_env({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "a/b", **env})
    assert settings is not None
    expected = (
        api
        or {
            "https://ghe.example.com": "https://ghe.example.com/api/v3",
            "https://studio.ghe.com": "https://api.studio.ghe.com",
        }[settings.server]
    )
    assert settings.api_url == expected
    assert GitHubClient(settings).gh.session.base_url == expected


def test_an_api_at_the_root_as_on_ghe_com_is_talked_to(tmp_path: Path) -> None:
    for fake in serve(FakeGitHub(api_root="")):  # api.<tenant>.ghe.com: no /api/v3
        fake.open_pr(4)
        settings = GitHubSettings(f"{fake.owner}/{fake.name}", TOKEN, "https://studio.ghe.com", api=fake.base)
        gh = GitHubClient(settings)
        assert gh.pull(4).number == 4 and gh.pull_url(4) == "https://studio.ghe.com/studio/configs/pull/4"
        assert [c.path for c in fake.calls] == ["", "/pulls/4"]


def test_the_pull_request_of_a_commit_is_found_by_search(fake_github: FakeGitHub) -> None:
    fake_github.open_pr(6, commits=("c" * 40,))
    assert client(fake_github).pull_for_commit("c" * 40) == 6
    assert client(fake_github).pull_for_commit("d" * 40) is None
