"""A ring branch's tip read off its first-parent history: what it serves, when that landed, what it
served before its release, and the kill-switch stops laid over each.

A stop's commit on a ring (`Hotswap-Event-Stop`, written by `promoter.event_stop`) keeps the tip's
release and rollback and edits one event's end: it lands nothing. So the ring's landed time is its
landing commit's (a canary step's interval and maxDuration run on through a stop), and the stops are
kept as layers over the landing tree, so a release in flight can be compared with the tree under the
stops it was not written knowing (`promoter.release_strategy.served_before`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pygit2

from contract.instants import parse_instant
from contract.trailers import EVENT_STOP, RELEASE, ROLLBACK_OF, SWITCH_AT, read_trailers
from promoter.model import DeployInfo, StopLayer

HISTORY_BOUND = 2000  # first-parent commits walked on a branch
# What a stop's commit keeps of the commit it edits: with these unchanged it landed no release.
_KEPT = (RELEASE, ROLLBACK_OF)


def landing(commit: pygit2.Commit) -> tuple[pygit2.Commit, tuple[StopLayer, ...]]:
    """The commit that landed what `commit` serves, and the stops laid over it, newest first."""
    layers: list[StopLayer] = []
    said = read_trailers(commit)
    for _ in range(HISTORY_BOUND):
        event = said.get(EVENT_STOP)
        if event is None or not commit.parents:
            break
        parent = commit.parents[0]
        under = read_trailers(parent)
        if any(said.get(key) != under.get(key) for key in _KEPT):
            break  # the trailer on a commit that changed the release: it landed something
        layers.append(StopLayer(event, str(parent.tree_id)))
        commit, said = parent, under
    return commit, tuple(layers)


def before(tip: pygit2.Commit, release: str | None) -> pygit2.Commit | None:
    """What a ring served before `release` first reached it: the newest first-parent ancestor that
    carries another release which was not rolled back on this ring since. So after A, then B, then a
    revert of B back to A, what came before A is the release before A, never the rolled-back B."""
    rolled_back: set[str] = set()
    said = read_trailers(tip)
    walker = tip
    for _ in range(HISTORY_BOUND):
        if said.get(ROLLBACK_OF):
            rolled_back.add(said[ROLLBACK_OF])
        if not walker.parents:
            return None
        walker = walker.parents[0]
        said = read_trailers(walker)
        carried = said.get(RELEASE)
        if carried != release and carried not in rolled_back:
            return walker
    return None


def deploy_info(tip: pygit2.Commit) -> DeployInfo:
    """The ring's tip as decide reads it."""
    said = read_trailers(tip)
    release = said.get(RELEASE)
    landed, stops = landing(tip)
    previous = before(tip, release)
    previous_stops = landing(previous)[1] if previous is not None else ()
    # A stop keeps the switch instant only while it is ahead; the landing commit always names it.
    switch_at = read_trailers(landed).get(SWITCH_AT)
    return DeployInfo(
        commit=str(tip.id),
        tree=str(tip.tree_id),
        release=release,
        time=datetime.fromtimestamp(landed.commit_time, UTC),
        rollback_of=said.get(ROLLBACK_OF),
        previous_tree=str(previous.tree_id) if previous is not None else None,
        previous_release=read_trailers(previous).get(RELEASE) if previous is not None else None,
        switch_at=parse_instant(switch_at) if switch_at else None,
        stops=stops,
        previous_stops=previous_stops,
    )
