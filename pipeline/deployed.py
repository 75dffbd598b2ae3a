"""A deploy ref's tree as a game server reads and validates it: the one definition the agent applies
to what it fetches and the promoter applies to what it is about to push to a ring or green ref.

A deploy commit's root tree is the game's folder. Its config files are validated as
`configs/<game>/<path>` with the packaged schema set (a server carries the schemas of its own
version, never the repository's), so "valid for the agents" is decided here once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pygit2

from pipeline.documents import CONFIG_ROOT, CONFIG_SUFFIXES, SourceFile
from pipeline.gitsource import BrokenObject, blob_size, over_the_limit
from pipeline.schemas import PACKAGED_SCHEMAS, SchemaSet
from pipeline.validate import ValidationResult, validate

MAX_FILE_BYTES = 1 << 20  # a file over this is refused as it is, before any of its content is read
Files = dict[str, bytes]
Problems = dict[str, tuple[str, str]]  # path -> (rule, message): a file that cannot be used as it is

_FILE_MODES = (pygit2.GIT_FILEMODE_BLOB, pygit2.GIT_FILEMODE_BLOB_EXECUTABLE)
_SCHEMAS: SchemaSet | None = None
_SCHEMAS_KEY: str | None = None


class UnreadableTree(Exception):
    """The tree cannot be read as a config folder: a missing object, a submodule, an entry of the wrong type."""


def packaged_schemas() -> SchemaSet:
    """The schema set a server validates with: one parsed set per process, built on first use."""
    global _SCHEMAS  # noqa: PLW0603 - one parsed schema set per process
    if _SCHEMAS is None:
        _SCHEMAS = SchemaSet.from_dir(PACKAGED_SCHEMAS)
    return _SCHEMAS


def packaged_schemas_key() -> str:
    """The id git would give the packaged schemas folder: a repository whose `schemas/` holds the
    same files has the same id, so what was validated with one was validated with the other."""
    global _SCHEMAS_KEY  # noqa: PLW0603 - computed once per process
    if _SCHEMAS_KEY is None:
        _SCHEMAS_KEY = folder_tree_id(PACKAGED_SCHEMAS)
    return _SCHEMAS_KEY


def folder_tree_id(folder: Path) -> str:
    """The git tree id of a flat folder of regular files (mode 100644), computed without a repository."""
    entries = sorted((p.name.encode(), p.read_bytes()) for p in folder.iterdir() if p.is_file())
    body = b"".join(b"100644 " + name + b"\0" + pygit2.hash(data).raw for name, data in entries)
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


def tree_files(repo: pygit2.Repository, tree: pygit2.Tree, max_bytes: int = MAX_FILE_BYTES) -> tuple[Files, Problems]:
    """The tree's config files and the ones refused as they are. A file's size is read from its object
    header, before any of its content. Raises UnreadableTree."""
    files: Files = {}
    problems: Problems = {}
    try:
        stack: list[tuple[str, pygit2.Tree]] = [("", tree)]
        while stack:
            base, current = stack.pop()
            for entry in current:
                path = f"{base}{entry.name}"
                if entry.filemode == pygit2.GIT_FILEMODE_TREE:
                    stack.append((path + "/", entry.peel(pygit2.Tree)))
                elif entry.filemode == pygit2.GIT_FILEMODE_LINK:
                    problems[path] = ("symlink", "symbolic links are not allowed in a config folder")
                elif entry.filemode not in _FILE_MODES:
                    raise UnreadableTree(f"{path}: a submodule or an entry of mode {entry.filemode:o}")
                elif path.endswith(CONFIG_SUFFIXES):
                    size = blob_size(repo, entry.id)
                    if size > max_bytes:
                        problems[path] = ("file-too-large", over_the_limit(size, max_bytes))
                    else:
                        files[path] = entry.peel(pygit2.Blob).data
    except BrokenObject as exc:
        raise UnreadableTree(str(exc)) from None
    except (KeyError, ValueError, pygit2.GitError) as exc:  # a missing or unparsable tree, a tree that is a blob
        raise UnreadableTree(f"unreadable tree: {exc}") from None
    return files, problems


def sources(game: str, files: Mapping[str, bytes], problems: Mapping[str, tuple[str, str]]) -> list[SourceFile]:
    """The files as the validator sees them: under `configs/<game>/`, in path order."""
    prefix = f"{CONFIG_ROOT}/{game}/"
    found = [SourceFile(prefix + path, data) for path, data in files.items()]
    found += [SourceFile(prefix + path, b"", problem) for path, problem in problems.items()]
    return sorted(found, key=lambda s: s.path)


def validate_deployed(
    game: str,
    files: Mapping[str, bytes],
    problems: Mapping[str, tuple[str, str]],
    schemas: SchemaSet | None = None,
) -> ValidationResult:
    """What a server decides about a deploy tree: any error and the config never reaches the game."""
    return validate(sources(game, files, problems), schemas or packaged_schemas())
