"""The kill switch: end a live event now, everywhere, in ONE compare-and-swap push.

The push holds (a) main with the event's end set to now (or, when GitHub is configured, a branch
`hotswap/event-stop-<game>-<event>` for a pull request: main may be protected), (b) on every ring
branch of every region (and every `green` ref) an expedited commit: that ring's own tree with the
same edit, keeping its `Hotswap-Release` so no rollout moves, and (c) the ledger's record
`events/<game>/<event>.json`. An in-flight canary of another release is not dragged along (each ring
keeps its release) and the stop does not wait for it; the promoter applies recorded stops to every
tree it writes to a ring afterwards (`event_trees.with_stops`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pygit2

from pipeline.event_stop import Stop, events_in, stop_instant
from pipeline.events_schedule import event_from_spec, format_instant
from promoter.errors import Refused
from promoter.event_trees import (
    StopRecord,
    config_files,
    edited,
    ledger_path,
    recorded_stops,
    replace_files,
)
from promoter.gitio import RefUpdate, Remote
from promoter.model import DEPLOY_PREFIX, LEDGER_REF, MAIN_REF
from promoter.reconcile import utc_now

_DEPLOY_RE = re.compile(r"^refs/heads/deploy/[^/]+/([^/]+)/(ring-\d+|green)$")
ATTEMPTS = 5


class UnknownEvent(Refused):
    """No LiveEvent of that name on main: HTTP 404, exit 1."""


class EventEnded(Refused):
    """The event is over everywhere already: HTTP 409, exit 1."""


@dataclass(frozen=True)
class StopResult:
    game: str
    event: str
    changed: bool  # False: stopped before (the ledger has it); nothing written
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
    request and everything else moves at once. Idempotent: a recorded stop answers unchanged."""
    for _ in range(ATTEMPTS):
        result = _try_stop(remote, game, event, reason, by, pull_request, stop_instant(clock()))
        if result is not None:
            return result
        remote.fetch()  # another writer moved a ref: read again, decide again
    raise Refused(f"could not stop {event}: the refs kept moving under {ATTEMPTS} attempts", retryable=True)


def _try_stop(
    remote: Remote, game: str, event: str, reason: str, by: str, pull_request: bool, at: datetime
) -> StopResult | None:
    prior = recorded_stops(remote, game).get(event)
    if prior is not None:
        when = format_instant(prior.stopped_at)
        summary = f"{event} was already stopped at {when} by {prior.by}: {prior.reason}; nothing to do"
        return StopResult(game, event, False, summary, prior)
    main = remote.ref(MAIN_REF)
    if main is None:
        raise Refused("the remote has no main branch")
    main_commit = remote.commit(main)
    try:
        game_tree = main_commit.tree[f"configs/{game}"].peel(pygit2.Tree)
    except KeyError:
        raise UnknownEvent(f"no game {game!r} on main") from None
    files = config_files(remote.repo, game_tree)
    path = _check_event(files, game, event, at)
    stop = Stop(event, at)
    message = " ".join(reason.split())
    main_changes = {f"configs/{game}/{p}": d for p, d in edited(files, [stop]).items()}
    main_tree = replace_files(remote.repo, main_commit.tree, main_changes)
    edit = remote._commit(
        main_tree,
        [main],
        f"{game}: stop live event {event}\n\nHotswap-Event-Stop: {event}\nHotswap-Reason: {message}\n"
        f"Stopped-By: {' '.join(by.split())}\n",
        at,
    )
    updates = [
        RefUpdate(stop_branch(game, event), edit, remote.ref(stop_branch(game, event)))
        if pull_request
        else RefUpdate(MAIN_REF, edit, main)
    ]
    updates += _ring_stops(remote, game, stop, message)
    record = StopRecord(
        game,
        event,
        at,
        by,
        message,
        path,
        edit,
        stop_branch(game, event).removeprefix("refs/heads/") if pull_request else None,
    )
    ledger, tip = remote._write_ledger(
        {ledger_path(game, event): _json(record)}, f"hotswap: {game} stop event {event}", at
    )
    updates.append(RefUpdate(LEDGER_REF, ledger, tip))
    pushed = remote.push(updates)
    if not pushed.ok:
        return None
    where = "a pull request branch" if pull_request else "main"
    rings = len(updates) - 2
    summary = f"stopped {event} at {format_instant(at)}: {where}, {rings} ring ref(s) and the ledger in one push"
    return StopResult(game, event, True, summary, record, tuple(u.ref for u in updates))


def _check_event(files: dict[str, bytes], game: str, event: str, at: datetime) -> str:
    """The event's file; raises UnknownEvent or EventEnded."""
    known = events_in(files)
    if event not in known:
        raise UnknownEvent(
            f"no live event {event!r} in configs/{game}/ on main (known: {', '.join(sorted(known)) or 'none'})"
        )
    path, spec = known[event]
    live = event_from_spec(event, spec)
    if live is None:
        raise Refused(f"configs/{game}/{path}: the event's start or end cannot be read")
    windows = [w for r in live.regions if (w := live.window_in(r)) is not None] or [live.window]
    if all(w.state(at) == "ended" for w in windows):
        end = format_instant(max(w.end for w in windows))
        raise EventEnded(f"live event {event} has ended already (at {end}); nothing to stop")
    return path


def _ring_stops(remote: Remote, game: str, stop: Stop, reason: str) -> list[RefUpdate]:
    """An expedited commit on every ring (and green) ref whose tree the stop changes."""
    updates: list[RefUpdate] = []
    for ref, sha in sorted(remote.refs(f"{DEPLOY_PREFIX}{game}/").items()):
        match = _DEPLOY_RE.match(ref)
        if match is None:
            continue
        tip = remote.commit(sha)
        changes = edited(config_files(remote.repo, tip.tree), [stop])
        if not changes:
            continue
        trailers = _trailers(tip)
        keep = "".join(f"{key}: {trailers[key]}\n" for key in ("Hotswap-Release", "Hotswap-Rollout") if key in trailers)
        message = (
            f"hotswap: stop {game} event {stop.event} on {match.group(1)} {match.group(2)}\n\n{keep}"
            f"Hotswap-Stage: expedited\nHotswap-Event-Stop: {stop.event}\nHotswap-Reason: {reason}\n"
        )
        tree = replace_files(remote.repo, tip.tree, changes)
        updates.append(RefUpdate(ref, remote._commit(tree, [sha], message, stop.at), sha))
    return updates


def pull_text(result: StopResult) -> tuple[str, str]:
    title = f"{result.game}: stop live event {result.event}"
    body = (
        f"Stopped by {result.record.by}: {result.record.reason}\n\nEvery ring already serves this edit "
        "(an expedited stop); merging brings main to the tree the rings serve.\n"
    )
    return title, body


def _trailers(commit: pygit2.Commit) -> dict[str, str]:
    try:
        return dict(commit.message_trailers.items())
    except (pygit2.GitError, AttributeError):
        return {}


def _json(record: StopRecord) -> bytes:
    return (json.dumps(record.as_json(), indent=2, sort_keys=True) + "\n").encode()
