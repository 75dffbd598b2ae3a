"""Settings shared by the promoter commands: flags first, then the environment."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from hotswap.errors import EnvironmentProblem, UsageError
from promoter.gitio import GitProblem, Remote

ENV_REMOTE = "HOTSWAP_REMOTE"
ENV_PROMETHEUS = "HOTSWAP_PROMETHEUS_URL"
ENV_CACHE = "HOTSWAP_CACHE_DIR"


def add_remote_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remote", help=f"git URL of the config repository (env {ENV_REMOTE})")
    parser.add_argument(
        "--cache", type=Path, help=f"local cache of the remote (env {ENV_CACHE}; default ~/.cache/hotswap)"
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
    if getattr(args, "by", None):
        return str(args.by)
    for name in ("HOTSWAP_ACTOR", "GITHUB_ACTOR"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def check_game(remote: Remote, game: str) -> None:
    if game not in remote.games():
        raise UsageError(f"unknown game {game!r} (known: {', '.join(remote.games()) or 'none'})")
