"""The kill switch: end a live event now, everywhere, in ONE compare-and-swap push.

The push holds (a) main with the event's end set to now when main still runs it (or, when GitHub is
configured, a branch `hotswap/event-stop-<game>-<event>` for a pull request: main may be protected),
(b) on every ring branch of every region (and every `green` ref) still running it an expedited
commit: that ring's own tree with the same edit, keeping its `Hotswap-Release` so no rollout moves,
and (c) the ledger's record `events/<game>/<event>.json`. An in-flight canary of another release is
not dragged along (each ring keeps its release) and the stop does not wait for it; the promoter
applies recorded stops to every tree a decision writes to a ring afterwards
(`stopped_trees.with_recorded_stops`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pygit2

from contract.errors import Refused
from contract.instants import format_instant, parse_instant
from contract.refs import DEPLOY_PREFIX, MAIN_REF, parse_deploy_ref
from contract.trailers import (
    EVENT_STOP,
    REASON,
    RELEASE,
    ROLLBACK_OF,
    ROLLOUT,
    STAGE,
    STOPPED_BY,
    SWITCH_AT,
    read_trailers,
    write_trailers,
)
from pipeline.event_stop import Stop, events_in, stop_instant
from pipeline.events_schedule import EventUnreadable, Window, read_event
from promoter.event_trees import (
    StopRecord,
    config_files,
    edited,
    recorded_stops,
    replace_files,
)
from promoter.git import ledger, writer
from promoter.git.writer import MAX_ATTEMPTS, Plan
from promoter.gitio import PushRejected, RefUpdate, Remote
from promoter.reconcile import utc_now


class UnknownEvent(Refused):
    """No LiveEvent of that name on main nor on any ring: HTTP 404, exit 1."""


class EventEnded(Refused):
    """The event is over on main and on every ring already: HTTP 409, exit 1."""


@dataclass(frozen=True)
class StopResult:
    game: str
    event: str
    changed: bool  # False: stopped before (the ledger has it) and live nowhere since; nothing written
    summary: str
    record: StopRecord
    refs: tuple[str, ...] = ()  # every ref the push moved


def stop_branch(game: str, event: str) -> str:
    return f"refs/heads/hotswap/event-stop-{game}-{event}"


def stop_event(
    remote: Remote,
    game: str,
    event: str,
    reason: str,
    by: str,
    pull_request: bool = False,
    clock: Callable[[], datetime] = utc_now,
) -> StopResult:
    """Stop `event` of `game` now; with `pull_request`, main's edit goes to a branch for a pull
    request and everything else moves at once. Idempotent: a recorded stop of an event no tree
    runs answers unchanged."""
    try:
        written = writer.write(
            remote,
            lambda: _plan_stop(remote, game, event, reason, by, pull_request, stop_instant(clock())),
            MAX_ATTEMPTS,
        )
    except PushRejected as exc:
        raise PushRejected(f"the remote refused the stop of {event}: {exc}") from None
    if written.answer is not None:
        return written.answer
    raise Refused(f"could not stop {event}: the refs kept moving under {MAX_ATTEMPTS} attempts", retryable=True)


@dataclass(frozen=True)
class _Tree:
    """One tree the stop looks at: main's game folder or a deploy ref's tree."""

    ref: str
    sha: str
    tree: pygit2.Tree
    files: dict[str, bytes]


def _trees(remote: Remote, game: str) -> tuple[_Tree | None, list[_Tree]]:
    """Main's game folder (None when main has no such folder) and every ring and green ref's tree."""
    main = remote.ref(MAIN_REF)
    if main is None:
        raise Refused("the remote has no main branch")
    main_commit = remote.commit(main)
    main_tree: _Tree | None = None
    try:
        game_tree = main_commit.tree[f"configs/{game}"].peel(pygit2.Tree)
    except KeyError:
        pass
    else:
        main_tree = _Tree(MAIN_REF, main, main_commit.tree, config_files(remote.repo, game_tree))
    rings: list[_Tree] = []
    for ref, sha in sorted(remote.refs(f"{DEPLOY_PREFIX}{game}/").items()):
        if parse_deploy_ref(ref) is not None:
            tip = remote.commit(sha)
            rings.append(_Tree(ref, sha, tip.tree, config_files(remote.repo, tip.tree)))
    return main_tree, rings


def _plan_stop(
    remote: Remote, game: str, event: str, reason: str, by: str, pull_request: bool, at: datetime
) -> Plan[StopResult]:
    """One attempt: the stop decided on the trees as read, its refs built for one push."""
    main, rings = _trees(remote, game)
    if main is None and not rings:
        raise UnknownEvent(f"no game {game!r} on main")
    trees = ([main] if main is not None else []) + rings
    found = {t.ref: hit for t in trees if (hit := events_in(t.files).get(event)) is not None}
    found = _readable(game, event, found)
    live = {ref for ref, (path, spec) in found.items() if _live(game, event, path, spec, at)}
    prior = recorded_stops(remote, game).get(event)
    if prior is not None and not live:  # stopped before and live nowhere since: nothing to do
        when = format_instant(prior.stopped_at)
        summary = f"{event} was already stopped at {when} by {prior.by}: {prior.reason}; nothing to do"
        return Plan((), StopResult(game, event, False, summary, prior))
    if not found:
        known = sorted({name for t in trees for name in events_in(t.files)})
        raise UnknownEvent(
            f"no live event {event!r} in configs/{game}/ on main or any ring (known: {', '.join(known) or 'none'})"
        )
    if not live:
        ends = [w.end for path, spec in found.values() for w in _windows(game, event, path, spec)]
        raise EventEnded(f"live event {event} has ended already (at {format_instant(max(ends))}); nothing to stop")
    stop = Stop(event, at)
    message = " ".join(reason.split())
    updates: list[RefUpdate] = []
    main_edit = main is not None and main.ref in live
    if main is not None and main_edit:
        changes = {f"configs/{game}/{p}": d for p, d in edited(main.files, [stop], f"configs/{game}/").items()}
        edit = remote.make_commit(
            replace_files(remote.repo, main.tree, changes),
            [main.sha],
            f"{game}: stop live event {event}\n\n"
            + write_trailers([(EVENT_STOP, event), (REASON, message), (STOPPED_BY, " ".join(by.split()))]),
            at,
        )
        branch = stop_branch(game, event)
        updates.append(
            RefUpdate(branch, edit, remote.ref(branch)) if pull_request else RefUpdate(MAIN_REF, edit, main.sha)
        )
    else:  # main has it over (or gone) already: releases built on main's tip need no stop
        edit = main.sha if main is not None else ""
    updates += _ring_stops(remote, game, [r for r in rings if r.ref in live], stop, message)
    path = found[main.ref][0] if main is not None and main.ref in found else next(iter(found.values()))[0]
    pull = stop_branch(game, event).removeprefix("refs/heads/") if pull_request and main_edit else None
    record = StopRecord(game, event, at, by, message, path, edit, pull)
    files = {ledger.event_path(game, event): ledger.encode(record.as_json())}
    updates.append(ledger.update(remote, files, f"hotswap: {game} stop event {event}", at))
    where = ("a pull request branch" if pull_request else "main") if main_edit else "not main (over there already)"
    count = len(updates) - 1 - int(main_edit)
    summary = f"stopped {event} at {format_instant(at)}: {where}, {count} ring ref(s) and the ledger in one push"
    return Plan(updates, StopResult(game, event, True, summary, record, tuple(u.ref for u in updates)))


def _readable(game: str, event: str, found: dict[str, tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    """The trees whose copy of the event can be read. A copy nobody can read (main may hold one a
    release check refused) is left alone; when no copy can be read the stop is refused, naming it."""
    readable = {ref: hit for ref, hit in found.items() if _problem(event, hit[1]) is None}
    if found and not readable:
        ref, (path, spec) = next(iter(found.items()))
        where = f"configs/{game}/{path}" if ref == MAIN_REF else f"{ref.removeprefix('refs/heads/')}:{path}"
        raise Refused(f"{where}: live event {event} cannot be read: {_problem(event, spec)}")
    return readable


def _problem(event: str, spec: Mapping[str, Any]) -> str | None:
    try:
        read_event(event, spec)
    except EventUnreadable as exc:
        return str(exc)
    return None


def _windows(game: str, event: str, path: str, spec: Mapping[str, Any]) -> list[Window]:
    live = read_event(event, spec)  # only readable copies come here (`_readable`)
    return [w for r in live.regions if (w := live.window_in(r)) is not None] or [live.window]


def _live(game: str, event: str, path: str, spec: Mapping[str, Any], at: datetime) -> bool:
    """The event is not over at `at` in some region (active, or scheduled still): a stop ends it."""
    return any(w.state(at) != "ended" for w in _windows(game, event, path, spec))


def _ring_stops(remote: Remote, game: str, rings: list[_Tree], stop: Stop, reason: str) -> list[RefUpdate]:
    """An expedited commit on every ring (and green) ref whose tree the stop changes. It keeps the
    tip's release, rollout and rollback, and its switch instant while that is still ahead: a stop
    during a blue-green switch lead leaves the synchronous flip where it was (to the stopped tree)."""
    updates: list[RefUpdate] = []
    for ring in rings:
        deploy = parse_deploy_ref(ring.ref)
        changes = edited(ring.files, [stop], f"{ring.ref.removeprefix('refs/heads/')}:")
        if deploy is None or not changes:
            continue
        trailers = read_trailers(remote.commit(ring.sha))
        kept = [RELEASE, ROLLOUT, ROLLBACK_OF]
        switch_at = parse_instant(trailers.get(SWITCH_AT, ""))
        if switch_at is not None and switch_at > stop.at:
            kept.append(SWITCH_AT)
        message = f"hotswap: stop {game} event {stop.event} on {deploy.region} {deploy.ring_name}\n\n" + write_trailers(
            [
                *((key, trailers.get(key)) for key in kept),
                (STAGE, "expedited"),
                (EVENT_STOP, stop.event),
                (REASON, reason),
            ]
        )
        tree = replace_files(remote.repo, ring.tree, changes)
        updates.append(RefUpdate(ring.ref, remote.make_commit(tree, [ring.sha], message, stop.at), ring.sha))
    return updates


def pull_text(result: StopResult) -> tuple[str, str]:
    title = f"{result.game}: stop live event {result.event}"
    body = (
        f"Stopped by {result.record.by}: {result.record.reason}\n\nEvery ring already serves this edit "
        "(an expedited stop); merging brings main to the tree the rings serve.\n"
    )
    return title, body
