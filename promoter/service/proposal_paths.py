"""Which paths a config proposal (POST /api/v1/game-configs) may write, checked before any git work."""

from __future__ import annotations

import pygit2

from pipeline.documents import game_of, is_config_path

MAX_PATH = 255


def path_problem(path: str) -> str | None:
    """Why this path is not `configs/<game>/<name>.yaml` written plainly; None when it is."""
    if len(path) > MAX_PATH:
        return f"longer than {MAX_PATH} characters"
    if any(ord(c) < 32 or c == "\x7f" for c in path):
        return "holds a control character"
    if "\\" in path:
        return "holds a backslash (use /)"
    if path.startswith("/"):
        return "absolute (start with configs/)"
    segments = path.split("/")
    if any(not s for s in segments):
        return "has an empty segment"
    if any(s.startswith(".") for s in segments):
        return "has a segment starting with a dot (., .., .git)"
    if not is_config_path(path) or game_of(path) is None:
        return "not under a game folder, or not .yaml, .yml or .json"
    return None


def path_clash(tree: pygit2.Tree, path: str) -> str | None:
    """A file where the path needs a folder, or a folder where it needs a file: writing it would
    replace what is there, so the tree pushed would not be the one asked for."""
    segments = path.split("/")
    for depth in range(1, len(segments)):
        folder = "/".join(segments[:depth])
        try:
            entry = tree[folder]
        except KeyError:
            return None
        if entry.type != pygit2.GIT_OBJECT_TREE:
            return f"{folder} is a file on main: {path} cannot go under it"
    try:
        entry = tree[path]
    except KeyError:
        return None
    return f"{path} is a folder on main" if entry.type == pygit2.GIT_OBJECT_TREE else None
