"""Config files read from git objects: sizes come from object headers, broken trees are findings."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2
import pytest

from pipeline.gitsource import GitSourceError, schemas_at, source_at, tree_sources
from pipeline.yamlstrict import DEFAULT_LIMITS
from tests.conftest import git
from tests.pipeline.fixtures import peak_rss_growth_kib

GAME = "configs/battle-royale"


def commit_sparse_file(repo: Path, rel: str, size: int) -> pygit2.Commit:
    with (repo / rel).open("wb") as handle:
        handle.truncate(size)  # a sparse file of zeros: cheap to make, compresses to almost nothing
    git(repo, "add", rel)
    git(repo, "commit", "-qm", f"add {rel}")
    return pygit2.Repository(str(repo)).head.peel(pygit2.Commit)


def test_a_file_just_over_the_limit_is_a_finding(git_repo: Path) -> None:
    commit = commit_sparse_file(git_repo, f"{GAME}/big.yaml", DEFAULT_LIMITS.max_bytes + 1)
    repo = pygit2.Repository(str(git_repo))
    (big,) = [s for s in tree_sources(repo, commit, DEFAULT_LIMITS, GAME) if s.path.endswith("big.yaml")]
    assert big.data == b""
    assert big.problem == ("file-too-large", "file is 1048577 bytes, over the limit of 1048576 bytes")
    assert source_at(repo, commit, f"{GAME}/big.yaml", DEFAULT_LIMITS) == big


def test_a_large_file_is_refused_without_reading_it(git_repo: Path) -> None:
    size = 64 << 20
    commit_sparse_file(git_repo, f"{GAME}/big.yaml", size)
    setup = """
import pygit2
from pipeline.gitsource import tree_sources
from pipeline.yamlstrict import DEFAULT_LIMITS
repo = pygit2.Repository(argv[0])
"""
    measured = "print([s.problem for s in tree_sources(repo, repo.head.peel(pygit2.Commit), DEFAULT_LIMITS, argv[1]) if s.problem])"
    output, growth_kib = peak_rss_growth_kib(setup, measured, str(git_repo), GAME)
    assert output == "[('file-too-large', 'file is 67108864 bytes, over the limit of 1048576 bytes')]"
    assert growth_kib < (size >> 10) // 8  # reading it would cost its size at least once


def mktree(repo: Path, entries: str, *flags: str) -> str:
    return subprocess.run(
        ["git", "mktree", *flags], cwd=repo, input=entries, capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_with_game_tree(repo: Path, entries: str) -> pygit2.Commit:
    """A commit whose configs/battle-royale folder is exactly `entries` (mktree input), objects may be missing."""
    game = mktree(repo, entries, "--missing")
    configs = mktree(repo, f"040000 tree {game}\tbattle-royale\n")
    root = mktree(repo, f"040000 tree {configs}\tconfigs\n")
    oid = git(repo, "commit-tree", root, "-m", "crafted")
    return pygit2.Repository(str(repo))[oid].peel(pygit2.Commit)


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        (f"100644 blob {'1' * 40}\tgone.yaml\n", f"{GAME}/gone.yaml"),
        (f"040000 tree {'2' * 40}\tgone\n", f"{GAME}/gone"),
        (f"160000 commit {'3' * 40}\tsubmodule\n", f"{GAME}/submodule"),
    ],
)
def test_a_missing_object_is_a_finding_not_a_crash(git_repo: Path, entry: str, path: str) -> None:
    commit = commit_with_game_tree(git_repo, entry)
    sources = tree_sources(pygit2.Repository(str(git_repo)), commit, DEFAULT_LIMITS, GAME)
    assert [(s.path, s.problem[0] if s.problem else None) for s in sources] == [(path, "broken-object")]


def test_a_schema_over_the_limit_is_refused_unread(git_repo: Path) -> None:
    commit = commit_sparse_file(git_repo, "schemas/huge.schema.json", DEFAULT_LIMITS.max_bytes + 1)
    with pytest.raises(GitSourceError, match=r"schemas/huge\.schema\.json at [0-9a-f]{12}: file is 1048577 bytes"):
        schemas_at(pygit2.Repository(str(git_repo)), commit)
