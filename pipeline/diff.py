"""Semantic diff of config documents between two git revisions, read from the object database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pygit2

from pipeline import gitsource
from pipeline.documents import Document, game_of, is_config_path, load
from pipeline.yamlstrict import LoadLimits

MATCH_KEYS = ("id", "name")


@dataclass(frozen=True)
class ValueChange:
    path: str  # dotted, spec-relative: weapons.rifle.damage, store[sku-skin].price.hard
    op: str  # added | removed | changed
    old: Any = None
    new: Any = None

    @property
    def relative(self) -> float | None:
        if _is_number(self.old) and _is_number(self.new) and self.old != 0:
            return float((self.new - self.old) / abs(self.old))
        return None


@dataclass(frozen=True)
class FileDiff:
    game: str
    status: str  # added | removed | modified | renamed
    old_path: str | None
    new_path: str | None
    kind: str
    name: str
    changes: tuple[ValueChange, ...]
    error: str | None = None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class DiffResult:
    base: str
    head: str
    files: tuple[FileDiff, ...]

    def games(self) -> list[str]:
        return sorted({f.game for f in self.files})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _join(prefix: str, key: str | int, keyed: bool = False) -> str:
    if isinstance(key, int) or keyed:
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _match_key(old: list[Any], new: list[Any]) -> str | None:
    """The key list items are matched by (`id` or `name`), if every item has a unique one."""
    items = old + new
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in MATCH_KEYS:
        if (
            all(isinstance(i.get(key), str | int) for i in items)
            and len({i[key] for i in old}) == len(old)
            and len({i[key] for i in new}) == len(new)
        ):
            return key
    return None


def diff_values(old: Any, new: Any, path: str = "") -> Iterator[ValueChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                yield ValueChange(_join(path, key), "removed", old=old[key])
        for key in new:
            if key not in old:
                yield ValueChange(_join(path, key), "added", new=new[key])
            else:
                yield from diff_values(old[key], new[key], _join(path, key))
        return
    if isinstance(old, list) and isinstance(new, list):
        key = _match_key(old, new)
        if key is not None:
            old_by = {i[key]: i for i in old}
            new_by = {i[key]: i for i in new}
            for ident, item in old_by.items():
                if ident not in new_by:
                    yield ValueChange(_join(path, ident, keyed=True), "removed", old=item)
            for ident, item in new_by.items():
                if ident not in old_by:
                    yield ValueChange(_join(path, ident, keyed=True), "added", new=item)
                else:
                    yield from diff_values(old_by[ident], item, _join(path, ident, keyed=True))
            return
        scalars = all(not isinstance(i, dict | list) for i in old + new)
        if scalars and len(set(map(_hashable, old))) == len(old) and len(set(map(_hashable, new))) == len(new):
            old_set, new_set = set(map(_hashable, old)), set(map(_hashable, new))
            for item in old:
                if _hashable(item) not in new_set:
                    yield ValueChange(path + "[]", "removed", old=item)
            for item in new:
                if _hashable(item) not in old_set:
                    yield ValueChange(path + "[]", "added", new=item)
            if old_set == new_set and old != new:
                yield ValueChange(path, "changed", old=old, new=new)
            return
        for index in range(max(len(old), len(new))):
            if index >= len(new):
                yield ValueChange(_join(path, index), "removed", old=old[index])
            elif index >= len(old):
                yield ValueChange(_join(path, index), "added", new=new[index])
            else:
                yield from diff_values(old[index], new[index], _join(path, index))
        return
    if old != new or type(old) is not type(new):
        yield ValueChange(path, "changed", old=old, new=new)


def _hashable(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def diff_documents(old: Document | None, new: Document | None) -> list[ValueChange]:
    """Changes in metadata and spec; spec paths are shown without the `spec.` prefix."""
    old_data = old.data if old else {}
    new_data = new.data if new else {}
    changes: list[ValueChange] = []
    for section, prefix in (("metadata", "metadata"), ("spec", "")):
        if old is None or new is None:
            continue
        changes.extend(diff_values(old_data.get(section, {}), new_data.get(section, {}), prefix))
    for key in ("apiVersion", "kind"):
        if old is not None and new is not None and old_data.get(key) != new_data.get(key):
            changes.append(ValueChange(key, "changed", old_data.get(key), new_data.get(key)))
    return changes


def diff_revisions(repo: pygit2.Repository, base: pygit2.Commit, head: pygit2.Commit, limits: LoadLimits) -> DiffResult:
    files: list[FileDiff] = []
    for change in gitsource.changes_between(repo, base, head):
        paths = [p for p in (change.old_path, change.new_path) if p]
        if not any(is_config_path(p) for p in paths):
            continue
        old_doc = new_doc = None
        errors = []
        for side, commit, path in (("base", base, change.old_path), ("head", head, change.new_path)):
            if not path:
                continue
            source = gitsource.source_at(repo, commit, path, limits)
            loaded = load(source, limits) if source else None
            if loaded is None or loaded.document is None:
                reason = loaded.findings[0] if loaded and loaded.findings else None
                errors.append(
                    f"{side} version does not load" + (f": {reason.message} (line {reason.line})" if reason else "")
                )
                continue
            if side == "base":
                old_doc = loaded.document
            else:
                new_doc = loaded.document
        doc = new_doc or old_doc
        files.append(
            FileDiff(
                game=game_of(change.new_path or change.old_path or "") or "",
                status=change.status,
                old_path=change.old_path,
                new_path=change.new_path,
                kind=doc.kind if doc else "",
                name=doc.name if doc else "",
                changes=tuple(diff_documents(old_doc, new_doc)),
                error="; ".join(errors) or None,
            )
        )
    files.sort(key=lambda f: (f.game, f.path))
    return DiffResult(str(base.id), str(head.id), tuple(files))
