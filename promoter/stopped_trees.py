"""Recorded stops applied in the decision: every ring and green tree a decision writes already
carries the game's stops when the writer sees it, so the tree a decision names is the tree written.

A stop that cannot be written into an event file safely (`StopRefused`) makes that game's decision
an error: nothing is written for the game (a stopped event is never restarted by a later release or
a rollback), and the other games' writes go on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from promoter.event_trees import StopRefused, with_stops
from promoter.model import Action, Decision, RevertRing, RevertRings, WriteGreen, WriteRings

if TYPE_CHECKING:
    from promoter.gitio import Remote


def with_recorded_stops(remote: Remote, decision: Decision) -> Decision:
    """`decision` with the recorded stops applied to every tree it writes to a ring or green ref."""
    if decision.error or not decision.actions:
        return decision
    try:
        actions = tuple(_stopped(remote, action) for action in decision.actions)
    except StopRefused as exc:
        error = str(exc)
        return replace(decision, summary=f"nothing written: {error}", actions=(), evaluate=None, error=error)
    return replace(decision, actions=actions)


def _stopped(remote: Remote, action: Action) -> Action:
    if isinstance(action, WriteRings | WriteGreen):
        return replace(action, tree=with_stops(remote, action.game, action.release, action.tree))
    if isinstance(action, RevertRings):  # a rollback never restarts a stopped event

        def back(ring: RevertRing) -> RevertRing:
            return replace(ring, tree=with_stops(remote, action.game, ring.release, ring.tree))

        return replace(action, rings=tuple(map(back, action.rings)), green=tuple(map(back, action.green)))
    return action
