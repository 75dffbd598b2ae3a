"""Settings shared by the promoter commands: flags first, then the environment."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from contract.text import FreeTextError, check_free_text
from hotswap.errors import EnvironmentProblem, UsageError
from promoter.github.port import GitHubPort, GitHubSettings, GitHubSettingsError
from promoter.gitio import GitProblem, Remote
from promoter.reconcile import RevertMode

ENV_REMOTE = "HOTSWAP_REMOTE"
ENV_PROMETHEUS = "HOTSWAP_PROMETHEUS_URL"
ENV_CACHE = "HOTSWAP_CACHE_DIR"


def add_remote_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remote", help=f"git URL of the config repository (env {ENV_REMOTE})")
    parser.add_argument(
        "--cache", type=Path, help=f"local cache of the remote (env {ENV_CACHE}; default ~/.cache/hotswap)"
    )


def add_stale_after(parser: argparse.ArgumentParser) -> None:
    from promoter.observed import DEFAULT_STALE_AFTER

    parser.add_argument(
        "--stale-after",
        type=float,
        default=DEFAULT_STALE_AFTER,
        help=f"a server whose last report is older is not reporting (default {DEFAULT_STALE_AFTER:g} s)",
    )


def remote_from(args: argparse.Namespace) -> Remote:
    url = args.remote or os.environ.get(ENV_REMOTE)
    if not url:
        raise UsageError(f"no remote: give --remote URL or set {ENV_REMOTE}")
    cache = args.cache or Path(os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "hotswap")
    try:
        remote = Remote(url, cache)
        remote.fetch()
    except GitProblem as exc:
        raise EnvironmentProblem(str(exc)) from None
    return remote


def actor(args: argparse.Namespace) -> str:
    """Who asks (`--by`, else the environment's user), as written into the commit and the ledger."""
    return free_text("--by", _actor(args))


def _actor(args: argparse.Namespace) -> str:
    if getattr(args, "by", None):
        return str(args.by)
    for name in ("HOTSWAP_ACTOR", "GITHUB_ACTOR"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def free_text(option: str, value: str) -> str:
    """`value`, refused with one line naming `option` when it holds a control character: a NUL
    would cut the commit message (and its trailers) short."""
    try:
        return check_free_text(option, value)
    except FreeTextError as exc:
        raise UsageError(str(exc)) from None


def check_game(remote: Remote, game: str) -> None:
    if game not in remote.games():
        raise UsageError(f"unknown game {game!r} (known: {', '.join(remote.games()) or 'none'})")


def github_from_env() -> GitHubPort | None:
    """GitHub when a token is set (GITHUB_TOKEN in Actions), else None: git alone is enough."""
    try:
        settings = GitHubSettings.from_env()
    except GitHubSettingsError as exc:
        raise UsageError(str(exc)) from None
    if settings is None:
        return None
    from promoter.github.client import GitHubClient  # github3 is loaded only when it is used

    return GitHubClient(settings)


def revert_mode(no_revert_main: bool, github: GitHubPort | None) -> RevertMode:
    """Main is reverted by pull request when GitHub is set up (main is likely protected), else
    directly; never when turned off by flag or HOTSWAP_REVERT_MAIN=0."""
    if no_revert_main or os.environ.get("HOTSWAP_REVERT_MAIN", "1") == "0":
        return "off"
    return "pull" if github is not None else "push"
