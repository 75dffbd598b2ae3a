"""The github3.py adapter against a local server speaking GitHub's REST API."""

from __future__ import annotations

import github3
import pytest

from promoter.github.client import GitHubClient
from promoter.github.port import GitHubSettings, GitHubSettingsError, GitHubUnavailable
from tests.github.fake_github import TOKEN, FakeGitHub
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


@pytest.mark.parametrize(("status", "word"), [(500, "500"), (502, "502"), (403, "rate limit")])
def test_failures_become_one_error_without_the_token(fake_github: FakeGitHub, status: int, word: str) -> None:
    fake_github.fail(status)
    with pytest.raises(GitHubUnavailable) as caught:
        client(fake_github).commit_status("a" * 40, "success", "hotswap/validate", "ok", None)
    assert word in str(caught.value) and TOKEN not in str(caught.value)


def test_bad_input_bad_token_and_no_server_are_errors_too(fake_github: FakeGitHub) -> None:
    with pytest.raises(GitHubUnavailable, match="422"):
        client(fake_github).open_pull("branch", "main", "", "no title")
    with pytest.raises(GitHubUnavailable, match="401"):
        client(fake_github, "ghp_wrong").pull(1)
    nobody = FakeGitHub(base=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(GitHubUnavailable, match="ConnectionError"):
        client(nobody).pull(1)


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
    gh = GitHubClient(enterprise).gh
    assert isinstance(gh, github3.GitHubEnterprise) and gh.session.base_url == "https://ghe.example.com/api/v3"


def test_the_pull_request_of_a_commit_is_found_by_search(fake_github: FakeGitHub) -> None:
    fake_github.open_pr(6, commits=("c" * 40,))
    assert client(fake_github).pull_for_commit("c" * 40) == 6
    assert client(fake_github).pull_for_commit("d" * 40) is None
