"""What every `git` the promoter and the agent run shares: the remote URL is checked, and credentials
ride in the environment, never on the command line.

A process's command line (/proc/PID/cmdline) is readable by every local user; its environment only by
its own user. So HOTSWAP_GIT_TOKEN reaches git as `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` (git 2.31+),
scoped to the remote's URL (`http.<url>.extraHeader`), so a redirect elsewhere does not carry it.
"""

from __future__ import annotations

import base64
import os

from contract.errors import HotswapFailure

ENV_GIT_TOKEN = "HOTSWAP_GIT_TOKEN"


class UnsafeRemote(HotswapFailure):
    """A remote URL git could take for an option (`--upload-pack=...` runs a command): a usage error."""

    kind = "usage"
    retryable = False


def check_remote_url(url: str) -> str:
    """The URL, if git can only read it as a repository. Callers also put `--` before it."""
    if not url:
        raise UnsafeRemote("the remote URL is empty")
    if url.startswith("-"):
        raise UnsafeRemote(f"refusing the remote {url[:40]!r}: a URL starting with '-' is read by git as an option")
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise UnsafeRemote("refusing a remote URL with control characters")
    return url


def git_env(url: str) -> dict[str, str]:
    """The environment of a git run against `url`: no prompts, messages in English (they are parsed),
    and the token as an Authorization header for https remotes."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    token = os.environ.get(ENV_GIT_TOKEN)
    if token and url.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        count = env.get("GIT_CONFIG_COUNT", "")
        index = int(count) if count.isdigit() else 0  # after any configuration the caller passes this way
        env[f"GIT_CONFIG_KEY_{index}"] = f"http.{url}.extraHeader"
        env[f"GIT_CONFIG_VALUE_{index}"] = f"Authorization: Basic {basic}"
        env["GIT_CONFIG_COUNT"] = str(index + 1)
    return env
