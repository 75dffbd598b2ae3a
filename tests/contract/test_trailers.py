"""The one trailer reader and writer (contract.trailers): what is written is byte for byte what
earlier versions wrote, git reads it back as the same trailers, and nothing else in the product
reads a commit's trailers on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pygit2

from contract.trailers import (
    EVENT_STOP,
    REASON,
    RELEASE,
    ROLLBACK_OF,
    ROLLOUT,
    STAGE,
    SWITCH_AT,
    read_trailers,
    trailer_line,
    write_trailers,
)

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("contract", "hotswap", "pipeline", "promoter", "agent")


def _commit(tmp_path: Path, message: str) -> pygit2.Commit:
    repo = pygit2.init_repository(str(tmp_path / "repo"), bare=True)
    who = pygit2.Signature("t", "t@example.invalid", 1_700_000_000, 0)
    tree = repo.TreeBuilder().write()
    return repo[repo.create_commit(None, who, who, message, tree, [])].peel(pygit2.Commit)


def test_the_writer_writes_what_earlier_versions_wrote() -> None:
    # A ring's rollback commit as the git adapter has always written it (a trailer without a value left out).
    written = write_trailers(
        [(RELEASE, "0123456789ab"), (STAGE, "eu/ring-10"), (ROLLOUT, "game@0123456789ab"), (SWITCH_AT, None)]
    )
    assert written == "Hotswap-Release: 0123456789ab\nHotswap-Stage: eu/ring-10\nHotswap-Rollout: game@0123456789ab\n"
    assert write_trailers([]) == ""
    assert trailer_line(ROLLBACK_OF, "abc") == "Hotswap-Rollback-Of: abc"


def test_git_reads_back_what_the_writer_wrote(tmp_path: Path) -> None:
    pairs = [(RELEASE, "0123456789ab"), (EVENT_STOP, "winter"), (REASON, "players stuck in the lobby")]
    commit = _commit(tmp_path, "hotswap: stop\n\n" + write_trailers(pairs))
    assert read_trailers(commit) == dict(pairs)


def test_a_message_without_trailers_reads_as_none(tmp_path: Path) -> None:
    assert read_trailers(_commit(tmp_path, "just a subject\n")) == {}
    # a `Key: value` in the subject line is not a trailer
    assert read_trailers(_commit(tmp_path, "Hotswap-Release: abc\n")) == {}


def test_no_module_reads_trailers_but_the_contract() -> None:
    readers = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "contract" / "trailers.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "message_trailers":
                    readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == [], "read trailers with contract.trailers.read_trailers"
