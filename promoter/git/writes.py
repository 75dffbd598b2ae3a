"""Turning actions into ref updates and commits: deploys to rings and green, tags, ring rollbacks,
main reverts and proposals. Every update is leased on the tip the decision read, and a decision's
updates (with its ledger commit) go in one atomic push."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import pygit2
from pygit2.enums import FileMode

from contract.instants import format_instant
from contract.refs import MAIN_REF, green_ref, release_tag, ring_ref
from contract.trailers import PROPOSED_BY, REASON, RELEASE, ROLLBACK_OF, ROLLOUT, STAGE, SWITCH_AT, write_trailers
from promoter.git import ledger, writer
from promoter.git.remote import RACED, GitProblem, GitRepository, PushResult, RefUpdate
from promoter.git.writer import Plan
from promoter.model import (
    Action,
    DropGreen,
    GameSnapshot,
    RevertRing,
    RevertRings,
    TagRelease,
    WriteGreen,
    WriteRings,
    rollout_id,
)

Decisions = Sequence[tuple[GameSnapshot, Sequence[Action]]]


def apply_many(remote: GitRepository, decisions: Decisions, now: datetime) -> PushResult:
    """One attempt at the writes of several games' decisions, through the one write path; a lost
    race is answered (`race`), not retried: the caller's loop is `promoter.git.writer.write`."""
    written = writer.write(remote, lambda: Plan(decision_updates(remote, decisions, now), PushResult(True)), 1)
    return written.answer or PushResult(False, race=True, detail=RACED)


def decision_updates(remote: GitRepository, decisions: Decisions, now: datetime) -> list[RefUpdate]:
    """The ref updates of several games' decisions, with one ledger commit, for one atomic push.

    A push costs the same for one ref as for a hundred (ref advertisement, connectivity
    check), so a pass sends all its games' writes together; a lost race re-reads them all.
    """
    updates: list[RefUpdate] = []
    ledger_files: dict[str, bytes] = {}
    for snap, actions in decisions:
        updates.extend(ref_updates(remote, snap, actions, now))
        ledger_files.update(ledger.decision_files(snap, actions))
    if ledger_files:
        games = sorted({snap.game for snap, actions in decisions if ledger.decision_files(snap, actions)})
        summary = ", ".join(sorted({p.split("/")[0] for p in ledger_files}))
        updates.append(ledger.update(remote, ledger_files, f"hotswap: {', '.join(games)} ({summary})", now))
    return updates


def ref_updates(remote: GitRepository, snap: GameSnapshot, actions: Sequence[Action], now: datetime) -> list[RefUpdate]:
    """The ring, green and tag updates of one decision (its ledger files are written apart)."""
    updates: list[RefUpdate] = []
    for action in actions:
        if isinstance(action, WriteRings):
            updates += _write_rings(remote, snap, action, now)
        elif isinstance(action, WriteGreen):
            updates.append(_write_green(remote, snap, action, now))
        elif isinstance(action, DropGreen):  # deleted only if no one moved it since it was read
            tip = snap.green[action.region].commit
            updates.append(RefUpdate(green_ref(action.game, action.region), None, tip, alone=True))
        elif isinstance(action, RevertRings):
            updates += _revert_rings(remote, snap, action, now)
        elif isinstance(action, TagRelease):
            name = release_tag(action.game, action.release)
            message = f"{action.game}: release {action.release[:12]} reached 100% of every region"
            tag = remote.make_tag(name.removeprefix("refs/tags/"), action.release, message, now)
            updates.append(RefUpdate(name, tag, None))
    return updates


def _write_rings(remote: GitRepository, snap: GameSnapshot, action: WriteRings, now: datetime) -> list[RefUpdate]:
    at = format_instant(action.switch_at) if action.switch_at else None
    trailers = write_trailers(
        [
            (RELEASE, action.release),
            (STAGE, action.stage),
            (ROLLOUT, rollout_id(action.game, action.release)),
            (SWITCH_AT, at),
        ]
    )
    updates: list[RefUpdate] = []
    for region, percent in action.rings:
        tip = snap.rings.get((region, percent))
        message = f"hotswap: {action.game} {action.release[:12]} to {region} ring-{percent}\n\n{trailers}"
        # action.tree has the recorded stops applied already (promoter/stopped_trees.py)
        new = remote.make_commit(action.tree, [tip.commit] if tip else [], message, now)
        updates.append(RefUpdate(ring_ref(action.game, region, percent), new, tip.commit if tip else None))
    return updates


def _write_green(remote: GitRepository, snap: GameSnapshot, action: WriteGreen, now: datetime) -> RefUpdate:
    tip = snap.green.get(action.region)
    message = f"hotswap: {action.game} {action.release[:12]} to {action.region} green\n\n" + write_trailers(
        [
            (RELEASE, action.release),
            (STAGE, f"{action.region}/green"),
            (ROLLOUT, rollout_id(action.game, action.release)),
        ]
    )
    # The same tree a switch writes to the rings later, so servers that prefetched green hold it.
    new = remote.make_commit(action.tree, [tip.commit] if tip else [], message, now)
    return RefUpdate(green_ref(action.game, action.region), new, tip.commit if tip else None)


def _revert_rings(remote: GitRepository, snap: GameSnapshot, action: RevertRings, now: datetime) -> list[RefUpdate]:
    updates: list[RefUpdate] = []
    for ring in action.rings:
        tip = snap.rings[(ring.region, ring.percent)]
        message = _revert_message(action, ring, f"ring-{ring.percent}", str(ring.percent))
        new = remote.make_commit(ring.tree, [tip.commit], message, now)
        updates.append(RefUpdate(ring_ref(action.game, ring.region, ring.percent), new, tip.commit))
    for ring in action.green:
        tip = snap.green[ring.region]
        new = remote.make_commit(ring.tree, [tip.commit], _revert_message(action, ring, "green", "green"), now)
        updates.append(RefUpdate(green_ref(action.game, ring.region), new, tip.commit))
    return updates


def _revert_message(action: RevertRings, ring: RevertRing, ref: str, stage: str) -> str:
    """A revert commit's message: back to `ring.release`; a switch-back names its instant."""
    reason = " ".join(action.reason.split())
    at = format_instant(action.switch_at) if action.switch_at else None
    return f"hotswap: roll back {action.game} {action.bad_release[:12]} on {ring.region} {ref}\n\n" + write_trailers(
        [
            (RELEASE, ring.release or ""),
            (STAGE, f"{ring.region}/{stage}"),
            (ROLLOUT, rollout_id(action.game, action.bad_release)),
            (ROLLBACK_OF, action.bad_release),
            (REASON, reason),
            (SWITCH_AT, at),
        ]
    )


def invalid_ref_names(actions: Sequence[Action]) -> list[str]:
    """The refs these actions would write whose names git refuses (a region `NA..WEST`, `EU WEST`,
    `A~1`: a schema of the repository's own may allow it). Checked before a push is built, so one
    game's bad name is that game's error and the others' writes still go."""
    refs: list[str] = []
    for action in actions:
        if isinstance(action, WriteRings):
            refs += [ring_ref(action.game, region, percent) for region, percent in action.rings]
        elif isinstance(action, WriteGreen | DropGreen):
            refs.append(green_ref(action.game, action.region))
        elif isinstance(action, RevertRings):
            refs += [ring_ref(action.game, ring.region, ring.percent) for ring in action.rings]
            refs += [green_ref(action.game, ring.region) for ring in action.green]
        elif isinstance(action, TagRelease):
            refs.append(release_tag(action.game, action.release))
    return [ref for ref in refs if not pygit2.reference_is_valid_name(ref)]


# --- main: proposals and reverts ------------------------------------------------------------------


def _with_file(remote: GitRepository, base: pygit2.Commit, path: str, content: bytes) -> str:
    """The tree of `base` with one file added or replaced."""
    index = pygit2.Index()
    index.read_tree(base.tree)
    index.add(pygit2.IndexEntry(path, remote.repo.create_blob(content), FileMode.BLOB))
    return str(index.write_tree(remote.repo))


def branch_with_file(
    remote: GitRepository, branch: str, path: str, content: bytes, message: str, now: datetime
) -> PushResult:
    """Push a new branch: main plus one file. An existing branch is left as it is (one pushed by
    another writer meanwhile too: the retry reads it there)."""

    def plan() -> Plan[PushResult]:
        main = remote.ref(MAIN_REF)
        if main is None:
            raise GitProblem("the remote has no main branch")
        if remote.ref(f"refs/heads/{branch}") is not None:
            return Plan((), PushResult(True))
        new = remote.make_commit(_with_file(remote, remote.commit(main), path, content), [main], message, now)
        return Plan([RefUpdate(f"refs/heads/{branch}", new, None)], PushResult(True))

    return writer.write(remote, plan, attempts=2).answer or PushResult(False, race=True, detail=RACED)


def propose(
    remote: GitRepository, base: pygit2.Commit, path: str, content: bytes, by: str, now: datetime
) -> tuple[str, str]:
    """A commit on top of `base` replacing one config file, for a branch `hotswap/config/...`."""
    tree = _with_file(remote, base, path, content)
    game, name = path.split("/")[1], path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    branch = f"refs/heads/hotswap/config/{game}-{name}-{hashlib.sha256(content).hexdigest()[:12]}"
    message = f"{game}: update {path}\n\n" + write_trailers([(PROPOSED_BY, " ".join(by.split()))])
    return branch, remote.make_commit(tree, [str(base.id)], message, now)


def revert_branch(release: str) -> str:
    return f"refs/heads/hotswap/revert-{release[:12]}"


def revert_main(remote: GitRepository, release: str, reason: str, now: datetime) -> tuple[str, str]:
    """Revert the release commit on main. Returns (outcome, detail); never forces. One attempt: a
    main that moved meanwhile is reverted on the next pass, read afresh."""

    def plan() -> Plan[tuple[str, str]]:
        outcome, detail, main = _revert_commit(remote, release, reason, now)
        moves = outcome == "done" and detail != main
        return Plan([RefUpdate(MAIN_REF, detail, main)] if moves else (), (outcome, detail))

    written = writer.write(remote, plan, attempts=1)
    return written.answer or ("pending", "main moved while reverting; retried on the next pass")


def propose_revert(remote: GitRepository, release: str, reason: str, now: datetime) -> tuple[str, str]:
    """The revert of the release on a branch `hotswap/revert-<sha12>`, for a pull request (main
    may be protected). Returns (outcome, detail): ("proposed", branch) when the branch is there
    (pushed now, or by an earlier, interrupted pass)."""
    branch = revert_branch(release)
    proposed = ("proposed", branch.removeprefix("refs/heads/"))

    def plan() -> Plan[tuple[str, str]]:
        outcome, detail, main = _revert_commit(remote, release, reason, now)
        if outcome != "done" or detail == main:  # failed, or main has it reverted already
            return Plan((), (outcome, detail))
        return Plan([RefUpdate(branch, detail, None)] if remote.ref(branch) is None else (), proposed)

    return writer.write(remote, plan, attempts=2).answer or proposed


def _revert_commit(remote: GitRepository, release: str, reason: str, now: datetime) -> tuple[str, str, str]:
    """(done, new commit, main), (done, main, main) when main has the release reverted already, or
    (conflict|failed, why, main)."""
    main = remote.ref(MAIN_REF)
    if main is None:
        return "failed", "the remote has no main branch", ""
    bad, ours = remote.commit(release), remote.commit(main)
    if len(bad.parents) > 2 or not bad.parents:
        return "conflict", "the release is an octopus merge or a root commit; revert it by hand", main
    # A merged pull request is a merge commit: undo what it brought to main (its first parent).
    index = remote.repo.revert_commit(bad, ours, 1 if len(bad.parents) == 2 else 0)
    if index.conflicts is not None:
        # each conflict is (ancestor, ours, theirs); any of them may be missing
        paths = sorted({entry.path for sides in index.conflicts for entry in sides if entry is not None})
        return "conflict", f"reverting {release[:12]} conflicts with later commits on main ({', '.join(paths)})", main
    tree = index.write_tree(remote.repo)
    if tree == ours.tree_id:  # reverted already (a pass whose ledger note was lost): nothing to add
        return "done", main, main
    subject = bad.message.splitlines()[0] if bad.message else release[:12]
    message = f'Revert "{subject}"\n\nThis reverts commit {release}.\n\n' + write_trailers(
        [(ROLLBACK_OF, release), (REASON, " ".join(reason.split()))]
    )
    return "done", remote.make_commit(str(tree), [main], message, now), main
