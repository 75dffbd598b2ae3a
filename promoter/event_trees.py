"""Reading and editing config trees for live events: a game folder's event files, a tree with some
files replaced, the stops the ledger records, and a ring tree with those stops applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pygit2
from pygit2.enums import FileMode

from contract.errors import Refused
from contract.instants import format_instant, parse_instant
from pipeline.event_stop import Stop, Uneditable, apply_stops
from promoter.git import ledger

if TYPE_CHECKING:
    from promoter.gitio import Remote

SUFFIXES = (".yaml", ".yml", ".json")


class StopRefused(Refused):
    """A recorded stop cannot be written into an event file without changing more than its times:
    nothing is written; the message names the file, the line and the field."""


@dataclass(frozen=True)
class StopRecord:
    """The ledger's record of one stop (`events/<game>/<event>.json`)."""

    game: str
    event: str
    stopped_at: datetime
    by: str
    reason: str
    file: str  # the event's file, relative to the game folder
    commit: str  # the commit carrying the edit (on main, or the pull request's branch)
    pull: str | None = None  # the branch of the pull request, when main is changed by one

    @property
    def stop(self) -> Stop:
        return Stop(self.event, self.stopped_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "game": self.game,
            "event": self.event,
            "stoppedAt": format_instant(self.stopped_at),
            "by": self.by,
            "reason": self.reason,
            "file": self.file,
            "commit": self.commit,
            "pullBranch": self.pull,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StopRecord | None:
        at = parse_instant(data.get("stoppedAt"))
        if at is None or not isinstance(data.get("event"), str):
            return None
        return cls(
            str(data.get("game", "")),
            data["event"],
            at,
            str(data.get("by", "")),
            str(data.get("reason", "")),
            str(data.get("file", "")),
            str(data.get("commit", "")),
            data.get("pullBranch") if isinstance(data.get("pullBranch"), str) else None,
        )


def recorded_stops(remote: Remote, game: str) -> dict[str, StopRecord]:
    """The stops the ledger records for a game, by event name."""
    found: dict[str, StopRecord] = {}
    for data in ledger.records(remote, ledger.EVENTS, game):
        record = StopRecord.from_json(data) if isinstance(data, dict) else None
        if record is not None:
            found[record.event] = record
    return found


def config_files(repo: pygit2.Repository, tree: pygit2.Tree, prefix: str = "") -> dict[str, bytes]:
    """Every config file (YAML or JSON) under a tree, by path relative to it."""
    files: dict[str, bytes] = {}
    for entry in tree:
        name = f"{prefix}{entry.name}"
        if entry.type == pygit2.GIT_OBJECT_TREE:
            files.update(config_files(repo, entry.peel(pygit2.Tree), name + "/"))
        elif entry.type == pygit2.GIT_OBJECT_BLOB and name.endswith(SUFFIXES):
            files[name] = entry.peel(pygit2.Blob).data
    return files


def replace_files(repo: pygit2.Repository, tree: pygit2.Tree, files: Mapping[str, bytes]) -> str:
    """A new tree: `tree` with these files (paths relative to it) replaced."""
    index = pygit2.Index()
    index.read_tree(tree)
    for path, data in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(data), FileMode.BLOB))
    return str(index.write_tree(repo))


def edited(before: Mapping[str, bytes], stops: list[Stop], folder: str = "") -> dict[str, bytes]:
    """The files the stops change, with their new bytes. Raises StopRefused (paths shown under
    `folder`) when a stop cannot be written safely."""
    try:
        after = apply_stops(before, stops)
    except Uneditable as exc:
        raise StopRefused(f"cannot stop {', '.join(s.event for s in stops)}: {folder}{exc}") from None
    return {path: data for path, data in after.items() if before.get(path) != data}


def with_stops(remote: Remote, game: str, release: str | None, tree: str) -> str:
    """The game tree `tree` (of `release`) as a ring may serve it: every recorded stop applied that
    the release does not already descend from (a release built on the stop's commit was written
    knowing it: a commit restoring an event's end is how a stop is reverted)."""
    stops = [r.stop for r in unknown_stops(remote, game, release).values()]
    if not stops:
        return tree
    game_tree = remote.repo[tree].peel(pygit2.Tree)
    changes = edited(config_files(remote.repo, game_tree), stops, f"configs/{game}/")
    return replace_files(remote.repo, game_tree, changes) if changes else tree


def unknown_stops(remote: Remote, game: str, release: str | None) -> dict[str, StopRecord]:
    """The recorded stops `release` was not written knowing, by event: those it does not descend
    from (a release built on a stop's commit knows it)."""
    return {
        event: record
        for event, record in recorded_stops(remote, game).items()
        if not _descends(remote.repo, release, record.commit)
    }


def _descends(repo: pygit2.Repository, release: str | None, commit: str) -> bool:
    if release is None or not commit:
        return False
    try:
        return release == commit or bool(repo.descendant_of(pygit2.Oid(hex=release), pygit2.Oid(hex=commit)))
    except (ValueError, KeyError, pygit2.GitError):
        return False
