"""Config files straight from git's object database (no checkout; works in a bare repository)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pygit2
from pygit2.enums import DiffFind, DiffOption, ObjectType

from pipeline.documents import CONFIG_ROOT, CONFIG_SUFFIXES, SourceFile
from pipeline.yamlstrict import LoadLimits


class GitSourceError(Exception):
    """No repository, or a revision that does not resolve (usage or environment error, exit 2)."""


def open_repo(path: Path) -> pygit2.Repository:
    found = pygit2.discover_repository(str(path))
    if found is None:
        raise GitSourceError(f"{path} is not inside a git repository")
    return pygit2.Repository(found)


def resolve(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        obj = repo.revparse_single(rev)
        commit = obj.peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise GitSourceError(f"unknown revision {rev!r}") from None
    return commit


class BrokenObject(GitSourceError):
    """A tree entry whose object is missing or is not a blob: the repository is damaged or was crafted."""


def blob_size(repo: pygit2.Repository, oid: pygit2.Oid) -> int:
    """The size of a blob from its object header: none of its content is read (a 300 MB blob costs nothing)."""
    try:
        kind, size = repo.odb.read_header(oid)
    except (KeyError, pygit2.GitError):
        raise BrokenObject(f"object {str(oid)[:12]} is missing from the repository") from None
    if kind != pygit2.GIT_OBJECT_BLOB:
        raise BrokenObject(f"object {str(oid)[:12]} is a {ObjectType(kind).name.lower()}, not a file")
    return size


def over_the_limit(size: int, max_bytes: int) -> str:
    return f"file is {size} bytes, over the limit of {max_bytes} bytes"


def _blob_source(repo: pygit2.Repository, path: str, entry: pygit2.Object, mode: int, limits: LoadLimits) -> SourceFile:
    if mode == pygit2.GIT_FILEMODE_LINK:
        return SourceFile(path, b"", ("symlink", "symbolic links are not allowed under configs/"))
    try:
        size = blob_size(repo, entry.id)
    except BrokenObject as exc:
        return SourceFile(path, b"", ("broken-object", str(exc)))
    if size > limits.max_bytes:
        return SourceFile(path, b"", ("file-too-large", over_the_limit(size, limits.max_bytes)))
    return SourceFile(path, repo[entry.id].peel(pygit2.Blob).data)


def tree_sources(
    repo: pygit2.Repository, commit: pygit2.Commit, limits: LoadLimits, prefix: str = CONFIG_ROOT
) -> list[SourceFile]:
    """Every config file under `prefix` in the commit's tree."""
    try:
        top = commit.tree[prefix]
    except KeyError:
        return []
    if top.type != pygit2.GIT_OBJECT_TREE:
        return []
    return folder_sources(repo, top.peel(pygit2.Tree), limits, prefix)


def folder_sources(repo: pygit2.Repository, folder: pygit2.Tree, limits: LoadLimits, prefix: str) -> list[SourceFile]:
    """Every config file in `folder` (a game's folder: what a ring serves), named as under `prefix`."""
    out: list[SourceFile] = []
    stack: list[tuple[str, pygit2.Tree]] = [(prefix, folder)]
    while stack:
        base, tree = stack.pop()
        for entry in tree:
            path = f"{base}/{entry.name}"
            if entry.type == pygit2.GIT_OBJECT_TREE:
                try:
                    stack.append((path, entry.peel(pygit2.Tree)))
                except (KeyError, ValueError, pygit2.GitError):
                    out.append(SourceFile(path, b"", ("broken-object", f"{path} is not a readable folder")))
            elif entry.type == pygit2.GIT_OBJECT_BLOB and (
                path.endswith(CONFIG_SUFFIXES) or entry.filemode == pygit2.GIT_FILEMODE_LINK
            ):
                out.append(_blob_source(repo, path, entry, entry.filemode, limits))
            elif entry.filemode == pygit2.GIT_FILEMODE_COMMIT:
                # A submodule: agents refuse a ring that holds one, so the release must never pass.
                out.append(SourceFile(path, b"", ("broken-object", f"{path} is a submodule (gitlink), not a file")))
    return sorted(out, key=lambda s: s.path)


def source_at(repo: pygit2.Repository, commit: pygit2.Commit, path: str, limits: LoadLimits) -> SourceFile | None:
    try:
        entry = commit.tree[path]
    except KeyError:
        return None
    if entry.type != pygit2.GIT_OBJECT_BLOB:
        return None
    return _blob_source(repo, path, entry, entry.filemode, limits)


@dataclass(frozen=True)
class Change:
    status: str  # added | removed | modified | renamed
    old_path: str | None
    new_path: str | None


_STATUS = {
    pygit2.GIT_DELTA_ADDED: "added",
    pygit2.GIT_DELTA_DELETED: "removed",
    pygit2.GIT_DELTA_MODIFIED: "modified",
    pygit2.GIT_DELTA_RENAMED: "renamed",
    pygit2.GIT_DELTA_TYPECHANGE: "modified",
    pygit2.GIT_DELTA_COPIED: "added",
}


def _changes(diff: pygit2.Diff) -> list[Change]:
    diff.find_similar(flags=DiffFind.FIND_RENAMES)
    out = []
    for delta in diff.deltas:
        status = _STATUS.get(delta.status)
        if status is None:
            continue
        old = delta.old_file.path if status != "added" else None
        new = delta.new_file.path if status != "removed" else None
        out.append(Change(status, old, new))
    return out


def changes_between(repo: pygit2.Repository, base: pygit2.Commit, head: pygit2.Commit) -> list[Change]:
    return _changes(base.tree.diff_to_tree(head.tree))


def paths_changed_since(repo: pygit2.Repository, base: pygit2.Commit) -> set[str]:
    """Paths that differ between `base` and the work tree, new untracked files included.

    Goes through the index (base -> index -> work tree) like `git diff base`: the index's stat
    cache spares hashing every file, which a direct tree-to-workdir diff would do.
    """
    flags = DiffOption.INCLUDE_UNTRACKED | DiffOption.RECURSE_UNTRACKED_DIRS
    paths: set[str] = set()
    for diff in (base.tree.diff_to_index(repo.index), repo.index.diff_to_workdir(flags)):
        for delta in diff.deltas:
            paths.update(p for p in (delta.old_file.path, delta.new_file.path) if p)
    return paths


def schemas_at(
    repo: pygit2.Repository, commit: pygit2.Commit, directory: str = "schemas", max_bytes: int = 1 << 20
) -> dict[str, dict[str, object]] | None:
    """The JSON Schemas in the commit's tree, so a revision is judged by its own schemas."""
    try:
        tree = commit.tree[directory].peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.InvalidSpecError):
        return None
    out: dict[str, dict[str, object]] = {}
    for entry in tree:
        name = entry.name or ""
        if entry.type == pygit2.GIT_OBJECT_BLOB and name.endswith(".schema.json"):
            size = blob_size(repo, entry.id)
            if size > max_bytes:
                raise GitSourceError(f"{directory}/{name} at {str(commit.id)[:12]}: {over_the_limit(size, max_bytes)}")
            try:
                out[name.removesuffix(".schema.json")] = json.loads(entry.peel(pygit2.Blob).data)
            except ValueError as exc:
                raise GitSourceError(f"{directory}/{entry.name} at {str(commit.id)[:12]} is not JSON: {exc}") from None
    return out or None
