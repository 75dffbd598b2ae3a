"""What a release touches, read from two real git trees."""

from __future__ import annotations

from pathlib import Path

import pygit2

from pipeline.strategy_select import select
from pipeline.touched import touched_between
from tests.pipeline.fixtures import shipped_policy

ECONOMY = b"apiVersion: hotswap/v1\nkind: Economy\nmetadata: {name: shop, game: g, version: 1.0.0}\nspec: {}\n"
EVENT = b"apiVersion: hotswap/v1\nkind: LiveEvent\nmetadata: {name: shop, game: g, version: 1.0.0}\nspec: {}\n"


def tree(repo: pygit2.Repository, files: dict[str, bytes]) -> pygit2.Tree:
    builder = repo.TreeBuilder()
    for name, data in files.items():
        builder.insert(name, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
    return repo[builder.write()].peel(pygit2.Tree)


def test_a_file_whose_kind_changes_is_touched_under_both_kinds(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r"), bare=True)
    base = tree(repo, {"shop.yaml": ECONOMY})
    head = tree(repo, {"shop.yaml": EVENT})
    touched = touched_between(repo, "g", base, head)
    assert sorted((t.path, t.kind) for t in touched) == [("shop.yaml", "Economy"), ("shop.yaml", "LiveEvent")]
    # so a "LiveEvent only" rule cannot carry an Economy change: the shipped policy picks blue-green
    assert select(shipped_policy(), touched).policy.strategy == "blue-green"
    # an unchanged kind is listed once
    edited = tree(repo, {"shop.yaml": EVENT.replace(b"spec: {}", b"spec: {displayName: x}")})
    assert [(t.path, t.kind) for t in touched_between(repo, "g", head, edited)] == [("shop.yaml", "LiveEvent")]
