"""Is a `hotswap/...` branch exactly what the promoter writes? Its names are predictable, so anyone
who can push could prepare one in advance (with, say, an added workflow file) for the promoter to
open a pull request from. A branch is used only when its tip is the commit the promoter would build:
one parent that main already contains, the trailer the promoter writes, and exactly the tree change
the promoter makes (the approval file alone; the revert of the release alone). Anything else is
refused, never overwritten: the item is recorded as failed, and an operator looks at the branch."""

from __future__ import annotations

import pygit2

from contract.errors import HotswapFailure
from contract.refs import MAIN_REF
from contract.trailers import APPROVAL, PROPOSED_BY, ROLLBACK_OF, trailer_line
from promoter.gitio import Remote


class UnusableBranch(HotswapFailure):
    """A branch the promoter would open a pull request from holds a commit it did not write, is gone,
    or could not be pushed: permanent for that item (asking again gets the same answer)."""

    kind = "branch"
    retryable = False


def check_approval_branch(remote: Remote, branch: str, path: str, content: bytes, key: str) -> None:
    """The approval branch adds the approval file, and nothing else, on top of main's history."""
    tip, parent = _tip(remote, branch, trailer_line(APPROVAL, key))
    deltas = list(parent.tree.diff_to_tree(tip.tree).deltas)
    ok = (
        len(deltas) == 1
        and deltas[0].status == pygit2.GIT_DELTA_ADDED
        and deltas[0].new_file.path == path
        and deltas[0].new_file.mode == pygit2.GIT_FILEMODE_BLOB
        and remote.repo[deltas[0].new_file.id].peel(pygit2.Blob).data == content
    )
    if not ok:
        raise UnusableBranch(f"branch {branch} changes more than its approval file: not used (see README)")


def check_revert_branch(remote: Remote, branch: str, release: str) -> None:
    """The revert branch is the revert of `release`, and nothing else, on top of main's history."""
    tip, parent = _tip(remote, branch, trailer_line(ROLLBACK_OF, release))
    bad = remote.commit(release)
    index = remote.repo.revert_commit(bad, parent, 1 if len(bad.parents) == 2 else 0)
    if index.conflicts is not None or index.write_tree(remote.repo) != tip.tree_id:
        raise UnusableBranch(f"branch {branch} is not the revert of {release[:12]}: not used (see README)")


def check_proposal_branch(remote: Remote, branch: str, path: str, content: bytes) -> None:
    """A config proposal's branch writes `content` at `path`, and nothing else, on top of main's history."""
    tip, parent = _tip(remote, branch, None)
    deltas = list(parent.tree.diff_to_tree(tip.tree).deltas)
    ok = (
        len(deltas) == 1
        and deltas[0].status in (pygit2.GIT_DELTA_ADDED, pygit2.GIT_DELTA_MODIFIED)
        and deltas[0].new_file.path == path
        and deltas[0].new_file.mode == pygit2.GIT_FILEMODE_BLOB
        and remote.repo[deltas[0].new_file.id].peel(pygit2.Blob).data == content
        and any(line.startswith(trailer_line(PROPOSED_BY, "")) for line in tip.message.splitlines())
    )
    if not ok:
        raise UnusableBranch(f"branch {branch} changes more than {path}: not used (see README)")


def _tip(remote: Remote, branch: str, trailer: str | None) -> tuple[pygit2.Commit, pygit2.Commit]:
    sha = remote.ref(f"refs/heads/{branch}")
    if sha is None:
        raise UnusableBranch(f"branch {branch} is not on the remote (deleted?)")
    tip = remote.commit(sha)
    main = remote.ref(MAIN_REF)
    if len(tip.parents) != 1 or main is None:
        raise UnusableBranch(f"branch {branch} has a tip the promoter did not write: not used (see README)")
    parent = tip.parents[0]
    on_main = str(parent.id) == main or remote.repo.descendant_of(main, parent.id)
    if not on_main or (trailer is not None and trailer not in tip.message.splitlines()):
        raise UnusableBranch(f"branch {branch} has a tip the promoter did not write: not used (see README)")
    return tip, parent
