"""What HotSwap asks of GitHub, and its settings: the adapter (client.py, github3.py) and test
doubles implement the port. Kept free of github3 so commands that may never talk to GitHub start fast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from contract.errors import HotswapFailure

DEFAULT_SERVER = "https://github.com"
DEFAULT_API = "https://api.github.com"


class GitHubUnavailable(HotswapFailure):
    """GitHub could not be told or asked this time; nothing about the rollout depends on it."""

    kind = "github"
    retryable = True


class GitHubRefused(GitHubUnavailable):
    """GitHub answered a 4xx that asking again will not change (403 not permitted, 404, 422): that
    one item is recorded as failed and never retried; the others go on."""

    retryable = False


class GitHubSettingsError(HotswapFailure):
    """The GitHub settings are incomplete or malformed (a usage error)."""

    kind = "github-settings"
    retryable = False


@dataclass(frozen=True)
class GitHubSettings:
    repository: str  # owner/name
    token: str
    server: str = DEFAULT_SERVER  # https://github.com, or a GitHub Enterprise server's URL
    api: str = ""  # the REST API's root; derived from `server` when empty

    def __repr__(self) -> str:  # the token never reaches a log line or a traceback
        return (
            f"GitHubSettings(repository={self.repository!r}, server={self.server!r}, api={self.api_url!r}, token=***)"
        )

    @property
    def api_url(self) -> str:
        return self.api or api_for(self.server)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.repository.split("/", 1)[1]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, repository: str | None = None) -> GitHubSettings | None:
        """GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SERVER_URL and GITHUB_API_URL (as Actions sets them),
        HOTSWAP_GITHUB_* overriding.
        None when no token is set: GitHub is not configured."""
        env = os.environ if environ is None else environ
        token = env.get("HOTSWAP_GITHUB_TOKEN") or env.get("GITHUB_TOKEN")
        if not token:
            return None
        repo = repository or env.get("HOTSWAP_GITHUB_REPOSITORY") or env.get("GITHUB_REPOSITORY")
        if not repo or repo.count("/") != 1 or not all(repo.split("/")):
            raise GitHubSettingsError("a GitHub token is set but no repository: set GITHUB_REPOSITORY=owner/name")
        server = env.get("HOTSWAP_GITHUB_URL") or env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER
        # Actions sets GITHUB_API_URL next to GITHUB_SERVER_URL; HOTSWAP_GITHUB_URL alone names a server
        # whose API is derived from it (an Actions variable never points HotSwap elsewhere).
        api = env.get("HOTSWAP_GITHUB_API_URL") or ("" if env.get("HOTSWAP_GITHUB_URL") else env.get("GITHUB_API_URL"))
        api = api or ""
        for name, url in (("HOTSWAP_GITHUB_URL", server), ("GITHUB_API_URL", api or "https://")):
            if not url.startswith(("https://", "http://")):
                raise GitHubSettingsError(f"{name} must be an http(s) URL, not {url!r}")
        return cls(repo, token, server.rstrip("/"), api.rstrip("/"))


def api_for(server: str) -> str:
    """The REST API root of a GitHub web address: github.com's api.github.com, GitHub Enterprise
    Cloud with data residency's api.<tenant>.ghe.com, or a GitHub Enterprise Server's /api/v3."""
    server = server.rstrip("/")
    parts = urlsplit(server)
    if server == DEFAULT_SERVER:
        return DEFAULT_API
    if parts.hostname and parts.hostname.endswith(".ghe.com") and not parts.hostname.startswith("api."):
        return f"{parts.scheme}://api.{parts.netloc}"
    return server + "/api/v3"


@dataclass(frozen=True)
class PullState:
    number: int
    state: str  # open | closed
    merged: bool
    url: str


class GitHubPort(Protocol):
    """What HotSwap asks of GitHub; the adapter below and test doubles implement it."""

    def upsert_comment(self, number: int, marker: str, body: str) -> int: ...
    def commit_status(self, sha: str, state: str, context: str, description: str, target_url: str | None) -> None: ...
    def deployment(self, ref: str, environment: str, description: str) -> int: ...
    def deployment_status(self, deployment_id: int, state: str, description: str) -> None: ...
    def open_pull(self, head: str, base: str, title: str, body: str) -> PullState: ...
    def pull(self, number: int) -> PullState: ...
    def close_pull(self, number: int, comment: str) -> None: ...
    def pull_url(self, number: int) -> str: ...
    def pull_for_commit(self, sha: str) -> int | None: ...
