"""The GitHub adapter: the only module that talks to GitHub, through github3.py.

Every method raises `GitHubUnavailable` for anything GitHub or the network answered badly (5xx,
403 rate limits, timeouts, 422): callers treat GitHub as best-effort and retry on a later pass.
Lookups by natural key (a comment's marker, a deployment's environment and ref, a pull request's
head branch) let a retry find what an earlier, interrupted attempt already created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import github3
import github3.exceptions

from promoter.github.port import DEFAULT_SERVER, GitHubSettings, GitHubUnavailable, PullState

__all__ = ["GitHubClient", "GitHubSettings", "GitHubUnavailable", "PullState"]

T = TypeVar("T")
CONNECT_TIMEOUT = 4.0
READ_TIMEOUT = 10.0


def _guard(call: Callable[[], T], what: str) -> T:
    try:
        return call()
    except github3.exceptions.GitHubError as exc:
        reason = getattr(exc, "msg", None) or str(exc)
        raise GitHubUnavailable(f"GitHub {what}: {exc.code} {reason}") from None
    except github3.exceptions.GitHubException as exc:
        raise GitHubUnavailable(f"GitHub {what}: {type(exc).__name__}") from None


class GitHubClient:
    """github.com or GitHub Enterprise, one repository."""

    def __init__(self, settings: GitHubSettings) -> None:
        self.settings = settings
        session = github3.session.GitHubSession(CONNECT_TIMEOUT, READ_TIMEOUT)
        if settings.server == DEFAULT_SERVER:
            self.gh: github3.GitHub = github3.GitHub(token=settings.token, session=session)
        else:
            self.gh = github3.GitHubEnterprise(settings.server, token=settings.token, session=session)
        self._repo: Any = None
        self._deployments: dict[int, Any] = {}  # by id: a status is posted without fetching it again

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = _guard(lambda: self.gh.repository(self.settings.owner, self.settings.name), "repository")
            if self._repo is None:
                raise GitHubUnavailable(f"GitHub repository {self.settings.repository} not found")
        return self._repo

    def pull_url(self, number: int) -> str:
        return f"{self.settings.server}/{self.settings.repository}/pull/{number}"

    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """The one comment holding `marker` on an issue or pull request: edited, or created once."""

        def go() -> int:
            issue = self.repo.issue(number)
            for comment in issue.comments():
                if marker in (comment.body or ""):
                    if comment.body != body:
                        comment.edit(body)
                    return int(comment.id)
            return int(issue.create_comment(body).id)

        return _guard(go, f"comment on #{number}")

    def commit_status(self, sha: str, state: str, context: str, description: str, target_url: str | None) -> None:
        _guard(
            lambda: self.repo.create_status(sha, state, target_url, _short(description), context), f"status {context}"
        )

    def deployment(self, ref: str, environment: str, description: str) -> int:
        """The deployment of `ref` to `environment`: found if it exists, else created."""

        def go() -> int:
            for dep in self.repo.deployments(number=100):
                if dep.environment == environment and dep.ref == ref:
                    self._deployments[int(dep.id)] = dep
                    return int(dep.id)
            created = self.repo.create_deployment(
                ref,
                required_contexts=[],  # the promoter already judged the release; no status gate here
                payload={"hotswap": True},
                auto_merge=False,
                description=_short(description),
                environment=environment,
            )
            self._deployments[int(created.id)] = created
            return int(created.id)

        return _guard(go, f"deployment {environment}")

    def deployment_status(self, deployment_id: int, state: str, description: str) -> None:
        def go() -> None:
            dep = self._deployments.get(deployment_id) or self.repo.deployment(deployment_id)
            if dep is None or dep.create_status(state, description=_short(description)) is None:
                raise GitHubUnavailable(f"GitHub deployment {deployment_id}: status {state} not accepted")
            self._deployments[deployment_id] = dep

        _guard(go, f"deployment status {state}")

    def open_pull(self, head: str, base: str, title: str, body: str) -> PullState:
        """The pull request from `head`: found (open or closed) if one exists, else opened."""

        def go() -> PullState:
            for pr in self.repo.pull_requests(state="all", head=f"{self.settings.owner}:{head}"):
                return self._state(pr)
            created = self.repo.create_pull(title, base, head, body)
            if created is None:
                raise GitHubUnavailable(f"GitHub did not open a pull request from {head}")
            return PullState(int(created.number), "open", False, str(created.html_url))

        return _guard(go, f"pull request from {head}")

    def pull_for_commit(self, sha: str) -> int | None:
        """The merged pull request that brought a commit to main (a rebase merge names none)."""

        def go() -> int | None:
            query = f"repo:{self.settings.repository} is:pr is:merged {sha}"
            for result in self.gh.search_issues(query, number=1):
                return int(result.issue.number)
            return None

        return _guard(go, f"pull request of {sha[:12]}")

    def pull(self, number: int) -> PullState:
        return _guard(lambda: self._state(self.repo.pull_request(number)), f"pull request #{number}")

    def close_pull(self, number: int, comment: str) -> None:
        def go() -> None:
            pr = self.repo.pull_request(number)
            pr.create_comment(comment)
            pr.close()

        _guard(go, f"closing #{number}")

    @staticmethod
    def _state(pr: Any) -> PullState:
        merged = bool(getattr(pr, "merged", False) or getattr(pr, "merged_at", None))
        return PullState(int(pr.number), str(pr.state), merged, str(pr.html_url))


def _short(text: str, limit: int = 140) -> str:
    """GitHub refuses status descriptions over 140 characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
