"""The GitHub adapter: the only module that talks to GitHub, through github3.py.

What GitHub answers falls in two classes (see `classify`):
- transient (`GitHubUnavailable`, retryable): 5xx, 429, a rate-limit 403, 401, the network. The
  caller stops asking for this pass. After a `Retry-After` or an exhausted `X-RateLimit-Reset`
  this client makes no call at all until that time (held in the client: per process).
- permanent for the item (`GitHubRefused`, not retryable): any other 4xx (403 not permitted, 404,
  409, 422). Asking again would get the same answer; the caller records it and goes on.
Lookups by natural key (a comment's marker, a deployment's environment and ref, a pull request's
head branch) let a retry find what an earlier, interrupted attempt already created.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import github3
import github3.exceptions
from github3.repos.deployment import Deployment

from promoter.github.port import GitHubRefused, GitHubSettings, GitHubUnavailable, PullState

__all__ = ["GitHubClient", "GitHubRefused", "GitHubSettings", "GitHubUnavailable", "PullState", "classify"]

T = TypeVar("T")
CONNECT_TIMEOUT = 4.0
READ_TIMEOUT = 10.0
SECONDARY_WAIT = 60.0  # GitHub: after a secondary rate limit without Retry-After, wait at least a minute
MAX_HOLD = 3600.0  # a Retry-After or reset further away than this is not believed
MAX_COMMENT = 65_536  # GitHub refuses (422) a longer comment body


@dataclass(frozen=True)
class Verdict:
    retryable: bool
    hold_until: float | None  # epoch seconds: no call before then


def classify(status: int, headers: Mapping[str, str], message: str, now: float) -> Verdict:
    """What an error answer from GitHub means for the caller (pure: tested with plain values)."""
    lower = {k.lower(): v for k, v in headers.items()}
    retry_after = _seconds(lower.get("retry-after"), now)
    if status >= 500 or status == 429:
        return Verdict(True, now + retry_after if retry_after is not None else None)
    if status == 403 and (lower.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower()):
        if retry_after is None and lower.get("x-ratelimit-remaining") == "0":
            reset = lower.get("x-ratelimit-reset", "")
            retry_after = max(0.0, float(reset) - now) if reset.isdigit() else SECONDARY_WAIT
        return Verdict(True, now + min(MAX_HOLD, SECONDARY_WAIT if retry_after is None else retry_after))
    if status == 401:  # the token, not the item: every call would fail the same way
        return Verdict(True, None)
    return Verdict(False, None)


def _seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return min(MAX_HOLD, float(value))
    try:
        return min(MAX_HOLD, max(0.0, parsedate_to_datetime(value).timestamp() - now))
    except (TypeError, ValueError):
        return None


class GitHubClient:
    """github.com, GitHub Enterprise Server (/api/v3) or Cloud with data residency (api.<tenant>.ghe.com),
    one repository."""

    def __init__(self, settings: GitHubSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.held_until = 0.0  # no call before this (epoch seconds): GitHub asked us to wait
        session = github3.session.GitHubSession(CONNECT_TIMEOUT, READ_TIMEOUT)
        session.base_url = settings.api_url
        self.gh: github3.GitHub = github3.GitHub(token=settings.token, session=session)
        self._repo: Any = None
        self._deployments: dict[int, Any] = {}  # by id: a status is posted without fetching it again

    def _call(self, call: Callable[[], T], what: str) -> T:
        now = self.clock()
        if now < self.held_until:
            until = datetime.fromtimestamp(self.held_until, UTC).strftime("%H:%M:%SZ")
            raise GitHubUnavailable(f"GitHub {what}: not asked, GitHub asked to wait until {until}")
        try:
            return call()
        except github3.exceptions.GitHubError as exc:
            reason = getattr(exc, "msg", None) or str(exc)
            if not isinstance(exc.code, int):  # an answer github3.py could not read: not the item's fault
                raise GitHubUnavailable(f"GitHub {what}: {type(exc).__name__}") from None
            response = getattr(exc, "response", None)
            verdict = classify(exc.code, getattr(response, "headers", None) or {}, str(reason), now)
            if verdict.hold_until is not None:
                self.held_until = max(self.held_until, verdict.hold_until)
            error = GitHubUnavailable if verdict.retryable else GitHubRefused
            raise error(f"GitHub {what}: {exc.code} {reason}") from None
        except github3.exceptions.GitHubException as exc:
            raise GitHubUnavailable(f"GitHub {what}: {type(exc).__name__}") from None

    @property
    def repo(self) -> Any:
        if self._repo is None:
            try:
                self._repo = self._call(
                    lambda: self.gh.repository(self.settings.owner, self.settings.name), "repository"
                )
            except GitHubRefused as exc:  # the settings, not the item: every call would fail
                raise GitHubUnavailable(str(exc)) from None
            if self._repo is None:
                raise GitHubUnavailable(f"GitHub repository {self.settings.repository} not found")
        return self._repo

    def pull_url(self, number: int) -> str:
        return f"{self.settings.server}/{self.settings.repository}/pull/{number}"

    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """The one comment holding `marker` on an issue or pull request: edited, or created once."""
        body = _clip(body)

        def go() -> int:
            issue = _found(self.repo.issue(number), f"no issue or pull request #{number}")
            for comment in issue.comments():
                if marker in (comment.body or ""):
                    if comment.body != body:
                        comment.edit(body)
                    return int(comment.id)
            return int(issue.create_comment(body).id)

        return self._call(go, f"comment on #{number}")

    def commit_status(self, sha: str, state: str, context: str, description: str, target_url: str | None) -> None:
        self._call(
            lambda: self.repo.create_status(sha, state, target_url, _short(description), context), f"status {context}"
        )

    def deployment(self, ref: str, environment: str, description: str) -> int:
        """The deployment of `ref` to `environment`: found if it exists (asked with GitHub's own
        `environment` and `ref` filters, so any number of other deployments cannot hide it), else created."""

        def go() -> int:
            url = self.repo._build_url("deployments", base_url=self.repo._api)
            params = {"environment": environment, "ref": ref, "per_page": "100"}
            for dep in self.repo._iter(-1, url, Deployment, params=params):
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
            if created is None:
                raise GitHubUnavailable(f"GitHub did not create a deployment of {ref[:12]} to {environment}")
            self._deployments[int(created.id)] = created
            return int(created.id)

        return self._call(go, f"deployment {environment}")

    def deployment_status(self, deployment_id: int, state: str, description: str) -> None:
        def go() -> None:
            dep = self._deployments.get(deployment_id) or _found(
                self.repo.deployment(deployment_id), f"no deployment {deployment_id}"
            )
            if dep.create_status(state, description=_short(description)) is None:
                raise GitHubUnavailable(f"GitHub deployment {deployment_id}: status {state} not accepted")
            self._deployments[deployment_id] = dep

        self._call(go, f"deployment status {state}")

    def open_pull(self, head: str, base: str, title: str, body: str) -> PullState:
        """The pull request from `head`: found (open or closed; the newest) if one exists, else opened."""

        def go() -> PullState:
            for pr in self.repo.pull_requests(state="all", head=f"{self.settings.owner}:{head}"):
                return self._state(pr)
            created = self.repo.create_pull(title, base, head, _clip(body))
            if created is None:
                raise GitHubUnavailable(f"GitHub did not open a pull request from {head}")
            return PullState(int(created.number), "open", False, str(created.html_url))

        return self._call(go, f"pull request from {head}")

    def pull_for_commit(self, sha: str) -> int | None:
        """The merged pull request that brought a commit to main (a rebase merge names none); None
        while GitHub's search has not indexed it yet."""

        def go() -> int | None:
            query = f"repo:{self.settings.repository} is:pr is:merged {sha}"
            for result in self.gh.search_issues(query, number=1):
                return int(result.issue.number)
            return None

        return self._call(go, f"pull request of {sha[:12]}")

    def pull(self, number: int) -> PullState:
        return self._call(
            lambda: self._state(_found(self.repo.pull_request(number), f"no pull request #{number}")),
            f"pull request #{number}",
        )

    def close_pull(self, number: int, comment: str) -> None:
        def go() -> None:
            pr = _found(self.repo.pull_request(number), f"no pull request #{number}")
            pr.create_comment(comment)
            pr.close()

        self._call(go, f"closing #{number}")

    @staticmethod
    def _state(pr: Any) -> PullState:
        merged = bool(getattr(pr, "merged", False) or getattr(pr, "merged_at", None))
        return PullState(int(pr.number), str(pr.state), merged, str(pr.html_url))


def _found(thing: T | None, missing: str) -> T:
    """github3 answers a 404 on a single object with None: that item does not exist (permanent)."""
    if thing is None:
        raise GitHubRefused(f"GitHub: 404 {missing}")
    return thing


def _short(text: str, limit: int = 140) -> str:
    """GitHub refuses status descriptions over 140 characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(body: str) -> str:
    """A comment or pull request body GitHub accepts: at most 65,536 characters."""
    if len(body) <= MAX_COMMENT:
        return body
    note = "\n\n… (cut: GitHub takes at most 65,536 characters)"
    return body[: MAX_COMMENT - len(note)] + note
