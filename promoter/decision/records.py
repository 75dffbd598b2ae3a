"""What every decision names: the rollout's record, the ledger events it appends, a release by its
short name, and the error a refused command raises."""

from __future__ import annotations

from contract.errors import Refused
from promoter.model import AppendEvents, Event, GameSnapshot, RolloutRecord


class DecisionError(Refused):
    """A command asked for something the state does not allow (approve with nothing waiting, ...)."""


def record_of(snap: GameSnapshot, release: str, tree: str) -> RolloutRecord:
    return snap.records.get(release) or RolloutRecord(snap.game, release, tree)


def append_events(snap: GameSnapshot, release: str, tree: str, *events: Event) -> AppendEvents:
    return AppendEvents(snap.game, release, tree, events)


def short(sha: str | None) -> str:
    return sha[:12] if sha else "nothing"


def serves(snap: GameSnapshot, release: str) -> bool:
    """Some ring or green ref serves the release (deployed it, or was reverted back to it)."""
    return any(t.release == release for t in (*snap.rings.values(), *snap.green.values()))


def find_record(snap: GameSnapshot, release: str) -> RolloutRecord:
    """The game's rollout of `release` (a full sha, or a prefix of at least 7 hex digits)."""
    wanted = release.lower()
    matches = [r for r in snap.records.values() if names_release(wanted, r.release)]
    if len(matches) != 1:
        what = "is ambiguous" if matches else "has no rollout"
        raise DecisionError(f"{snap.game}: release {release!r} {what}")
    return matches[0]


def names_release(given: str, release: str) -> bool:
    return len(given) >= 7 and release.startswith(given.lower())
