"""The ledger (`refs/heads/hotswap/ledger`): the one owner of its folders and their JSON records.

- `rollouts/<game>/<release>.json`: a rollout's record and its events;
- `quarantine/<game>/<release>.json`: a release that must never be promoted again;
- `events/<game>/<event>.json`: a kill switch's record of one stopped live event;
- `github/<game>/<release>.json`: what GitHub was told about a release.

Every path into the ledger is built here, and every ledger file is read and written here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pygit2
from pygit2.enums import FileMode

from contract.refs import LEDGER_REF
from promoter.git import writer
from promoter.git.remote import RACED, GitRepository, PushResult, RefUpdate
from promoter.git.writer import Plan
from promoter.model import Action, AppendEvents, GameSnapshot, Quarantine, QuarantineRecord, RolloutRecord

ROLLOUTS = "rollouts"
QUARANTINE = "quarantine"
EVENTS = "events"
GITHUB = "github"


def folder(kind: str, game: str) -> str:
    """The ledger folder of one kind of record for one game."""
    return f"{kind}/{game}"


def rollout_path(game: str, release: str) -> str:
    return f"{folder(ROLLOUTS, game)}/{release}.json"


def quarantine_path(game: str, release: str) -> str:
    return f"{folder(QUARANTINE, game)}/{release}.json"


def event_path(game: str, event: str) -> str:
    return f"{folder(EVENTS, game)}/{event}.json"


def github_path(game: str, release: str) -> str:
    return f"{folder(GITHUB, game)}/{release}.json"


def encode(data: object) -> bytes:
    """A ledger file's bytes: sorted, indented JSON (stable, so an unchanged record diffs empty)."""
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _json_files(tree: pygit2.Tree, path: str) -> Iterable[Any]:
    try:
        entries = tree[path].peel(pygit2.Tree)
    except KeyError:
        return
    for entry in entries:
        yield json.loads(entry.peel(pygit2.Blob).data)


def records(remote: GitRepository, kind: str, game: str) -> list[Any]:
    """The JSON records of one ledger folder, as the cache holds it."""
    tip = remote.ref(LEDGER_REF)
    return [] if tip is None else list(_json_files(remote.commit(tip).tree, folder(kind, game)))


def read_rollouts(remote: GitRepository, game: str) -> tuple[dict[str, RolloutRecord], dict[str, QuarantineRecord]]:
    """A game's rollout records and quarantines, by release."""
    rollouts: dict[str, RolloutRecord] = {}
    quarantine: dict[str, QuarantineRecord] = {}
    tip = remote.ref(LEDGER_REF)
    if tip is None:
        return rollouts, quarantine
    tree = remote.commit(tip).tree
    for data in _json_files(tree, folder(ROLLOUTS, game)):
        record = RolloutRecord.from_json(data)
        rollouts[record.release] = record
    for data in _json_files(tree, folder(QUARANTINE, game)):
        entry = QuarantineRecord.from_json(data)
        quarantine[entry.release] = entry
    return rollouts, quarantine


def decision_files(snap: GameSnapshot, actions: Sequence[Action]) -> dict[str, bytes]:
    """The ledger files one decision writes: its rollout record with the new events, quarantines."""
    files: dict[str, bytes] = {}
    rollouts = dict(snap.records)
    for action in actions:
        if isinstance(action, AppendEvents):
            record = rollouts.get(action.release) or RolloutRecord(action.game, action.release, action.tree)
            rollouts[action.release] = record = record.appended(*action.events)
            files[rollout_path(action.game, action.release)] = encode(record.as_json())
        elif isinstance(action, Quarantine):
            q = action.record
            files[quarantine_path(q.game, q.release)] = encode(q.as_json())
    return files


def commit_files(
    remote: GitRepository, files: Mapping[str, bytes], message: str, now: datetime
) -> tuple[str, str | None]:
    """A ledger commit on the cached tip with these files added or replaced: (new commit, tip)."""
    tip = remote.ref(LEDGER_REF)
    index = pygit2.Index()
    if tip is not None:
        index.read_tree(remote.commit(tip).tree)
    for path, data in files.items():
        index.add(pygit2.IndexEntry(path, remote.repo.create_blob(data), FileMode.BLOB))
    tree = index.write_tree(remote.repo)
    return remote.make_commit(str(tree), [tip] if tip else [], message, now), tip


def update(remote: GitRepository, files: Mapping[str, bytes], message: str, now: datetime) -> RefUpdate:
    """The ref update that moves the ledger to a commit adding these files, leased on its tip."""
    new, tip = commit_files(remote, files, message, now)
    return RefUpdate(LEDGER_REF, new, tip)


def push_json(remote: GitRepository, files: Mapping[str, Any], message: str, now: datetime) -> PushResult:
    """A ledger-only write of these JSON records, one attempt through the one write path."""
    encoded = {path: encode(data) for path, data in files.items()}
    written = writer.write(remote, lambda: Plan([update(remote, encoded, message, now)], PushResult(True)), 1)
    return written.answer or PushResult(False, race=True, detail=RACED)
