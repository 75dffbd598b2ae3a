"""The one write loop (`promoter.git.writer.write`) on a real bare remote: a lost compare-and-swap
is read again and decided again, attempts are bounded, and nothing to write pushes nothing."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from promoter.git.writer import MAX_ATTEMPTS, Plan, write
from promoter.gitio import GitProblem, PushResult, RefUpdate, Remote

REF = "refs/heads/scratch"  # neither main nor a deploy ref: the write guard has no tree to judge
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _remotes(tmp_path: Path) -> tuple[Remote, Remote]:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    ours, theirs = Remote(str(bare), tmp_path / "ours"), Remote(str(bare), tmp_path / "theirs")
    ours.fetch()
    return ours, theirs


def _advance(remote: Remote, message: str) -> str:
    """Move REF one commit on, as the remote's cache has it, in its own push."""
    tip = remote.ref(REF)
    tree = str(remote.repo.TreeBuilder().write())
    new = remote.make_commit(tree, [tip] if tip else [], message, NOW)
    assert remote.push([RefUpdate(REF, new, tip)]).ok
    return new


def test_a_lost_race_is_read_again_and_decided_again(tmp_path: Path) -> None:
    ours, theirs = _remotes(tmp_path)
    seen: list[str | None] = []

    def plan() -> Plan[str]:
        tip = ours.ref(REF)
        seen.append(tip)
        if len(seen) == 1:  # another writer moves the ref after we read it
            theirs.fetch()
            _advance(theirs, "theirs")
        new = ours.make_commit(str(ours.repo.TreeBuilder().write()), [tip] if tip else [], "ours", NOW)
        return Plan([RefUpdate(REF, new, tip)], new)

    written = write(ours, plan)
    assert written.wrote and written.answer is not None
    theirs.fetch()
    assert seen[0] is None and seen[1] == str(theirs.commit(written.answer).parent_ids[0])  # decided on theirs
    assert theirs.ref(REF) == written.answer  # theirs kept, ours on top


def test_attempts_are_bounded(tmp_path: Path) -> None:
    ours, theirs = _remotes(tmp_path)
    calls: list[int] = []

    def plan() -> Plan[str]:
        tip = ours.ref(REF)
        calls.append(1)
        theirs.fetch()
        _advance(theirs, f"theirs {len(calls)}")  # every attempt loses its race
        return Plan([RefUpdate(REF, ours.make_commit(str(ours.repo.TreeBuilder().write()), [], "x", NOW), tip)], "x")

    written = write(ours, plan)
    assert written.lost and not written.wrote and len(calls) == MAX_ATTEMPTS
    assert write(ours, plan, attempts=1).lost and len(calls) == MAX_ATTEMPTS + 1


def test_nothing_to_write_pushes_nothing(tmp_path: Path) -> None:
    ours, _ = _remotes(tmp_path)
    written = write(ours, lambda: Plan((), "up to date"))
    assert written == type(written)("up to date", wrote=False)
    ours.fetch()
    assert ours.ref(REF) is None


def test_an_update_pushed_alone_is_pushed_after_the_others_and_its_failure_holds_nothing(tmp_path: Path) -> None:
    ours, _ = _remotes(tmp_path)
    kept = _advance(ours, "a ref to delete later")
    other = "refs/heads/other"
    hook = tmp_path / "remote.git" / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do case $new in 0000000*) exit 1;; esac; done\n")
    hook.chmod(0o755)
    new = ours.make_commit(str(ours.repo.TreeBuilder().write()), [], "written", NOW)
    written = write(ours, lambda: Plan([RefUpdate(REF, None, kept, alone=True), RefUpdate(other, new, None)], "ok"))
    ours.fetch()
    assert written.wrote and ours.ref(other) == new and ours.ref(REF) == kept
    ((ref, why),) = written.skipped
    assert ref == REF and why.startswith("the remote refused it")

    class Failing(Remote):
        def push(self, updates: Sequence[RefUpdate]) -> PushResult:
            if any(u.new is None for u in updates):
                raise GitProblem("git push: connection reset")
            return super().push(updates)

    failing = Failing(str(tmp_path / "remote.git"), tmp_path / "failing")
    failing.fetch()
    again = failing.make_commit(str(failing.repo.TreeBuilder().write()), [new], "again", NOW)
    written = write(failing, lambda: Plan([RefUpdate(REF, None, kept, alone=True), RefUpdate(other, again, new)], "ok"))
    assert written.wrote and written.skipped == ((REF, "git failed: git push: connection reset"),)
