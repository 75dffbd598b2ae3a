"""The live-event endpoints of `hotswap serve`: list a game's events (viewer) and the kill switch
(operator), on the same use cases as `hotswap event list` and `hotswap event stop`."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from contract.errors import Refused
from promoter.event_list import game_events
from promoter.event_stop import EventEnded, StopResult, UnknownEvent, pull_text, stop_event
from promoter.github.port import GitHubUnavailable
from promoter.gitio import GitProblem, PushRejected, Remote, redact
from promoter.service.deps import Reason, ServiceDep, SessionViewer, error
from promoter.service.state import Service
from promoter.service.status_api import viewed_game

router = APIRouter()


@router.get("/api/v1/games/{game}/events")
def events(game: str, service: ServiceDep, who: SessionViewer) -> Any:
    snap = viewed_game(service, game)
    if isinstance(snap, JSONResponse):
        return snap
    with service.lock:
        service.remote.fetch()  # main as it is now: an event merged a moment ago is listed
        return game_events(service.remote, game, datetime.now(UTC))


@router.post("/api/v1/games/{game}/events/{name}/stop")
async def stop(game: str, name: str, service: ServiceDep, asked: Reason) -> Any:
    who, reason = asked
    if service.snapshot(game) is None:
        return error(404, f"no game {game!r}")

    def run() -> StopResult:
        with service.lock:
            service.remote.fetch()
            return stop_event(
                service.remote,
                game,
                name,
                reason,
                who.subject,
                service.github is not None,
                service.reconciler.clock,
            )

    try:
        result = await run_in_threadpool(run)
    except UnknownEvent as exc:
        return error(404, str(exc))
    except (EventEnded, Refused) as exc:
        return error(409, str(exc))
    except PushRejected as exc:  # a hook or permissions: nothing moved
        return error(409, str(exc), kind=exc.kind)
    except GitProblem as exc:  # the remote could not be reached: nothing moved, try again
        return error(503, redact(str(exc)), kind=exc.kind)
    pull = await run_in_threadpool(_open_pull, service, result) if result.changed else None
    service.log.emit("event-stop", game=game, name=name, by=who.subject, changed=result.changed)
    if result.changed:
        service.wake.set()
    return {
        "game": game,
        "event": name,
        "changed": result.changed,
        "result": result.summary,
        "stoppedAt": result.record.as_json()["stoppedAt"],
        "by": result.record.by,
        "refs": list(result.refs),
        "pullRequest": pull,
    }


def _open_pull(service: Service, result: StopResult) -> dict[str, Any] | None:
    if service.github is None or result.record.pull is None:
        return None
    try:
        pull = service.github.open_pull(result.record.pull, "main", *pull_text(result))
    except GitHubUnavailable as exc:
        return {"branch": result.record.pull, "error": str(exc)}
    return {"number": pull.number, "url": pull.url, "branch": result.record.pull}


def events_section(remote: Remote, games: list[str], now: datetime) -> str:
    """The status page's live-events table (every game with events)."""
    rows = []
    for game in games:
        listing = game_events(remote, game, now)
        for problem in listing["problems"]:  # an unreadable event file on main: shown, not a 500
            rows.append(
                f'<tr class="event problem"><td>{escape(game)}</td><td>{escape(problem["event"])}</td>'
                f'<td colspan="3">cannot be read: {escape(problem["file"])}: {escape(problem["problem"])}</td></tr>'
            )
        for event in listing["events"]:
            stop = event["stopped"]
            note = f" — stopped by {stop['by']}: {stop['reason']}" if stop else ""
            regions = ", ".join(f"{r['region']} {r['state']}" for r in event["regions"])
            rows.append(
                f'<tr class="event"><td>{escape(game)}</td><td>{escape(event["name"])}</td>'
                f"<td>{escape(event['state'] + note)}</td><td>{escape(regions)}</td>"
                f"<td>{escape(event['nextBoundary'] or '—')}</td></tr>"
            )
    if not rows:
        return ""
    head = "<tr><th>game</th><th>event</th><th>state</th><th>regions</th><th>next boundary</th></tr>"
    return f'<h2 id="live-events">Live events</h2><table class="events">{head}{"".join(rows)}</table>'
