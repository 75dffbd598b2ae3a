"""The read side of the API (viewer): games, their configs, fleets and diffs, and deployments."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from pipeline import gitsource
from pipeline.diff import diff_revisions
from pipeline.diff_format import FORMATS as DIFF_FORMATS
from pipeline.yamlstrict import DEFAULT_LIMITS
from promoter.model import GameSnapshot
from promoter.service.deps import PageViewer, ServiceDep, SessionViewer, Viewer, error
from promoter.service.state import Service
from promoter.service.views import deployment, deployment_metrics, game_configs, game_detail, game_servers

router = APIRouter()
_SHA = re.compile(r"[0-9a-f]{7,40}")


def viewed_game(service: Service, game: str) -> GameSnapshot | JSONResponse:
    """The game's snapshot, or the 404 answer."""
    snap = service.snapshot(game)
    return error(404, f"no game {game!r}") if snap is None else snap


@router.get("/api/v1/games")
def games(service: ServiceDep, who: Viewer) -> Any:
    now = datetime.now(UTC)
    return {
        "games": [game_configs(s, now, service.fleet.view(s, now)) | {"regions": None} for s in service.snapshots()]
    }


@router.get("/api/v1/games/{game}/configs")
def configs(game: str, service: ServiceDep, who: Viewer) -> Any:
    snap = service.snapshot(game)
    if snap is None:
        return error(404, f"no game {game!r}")
    now = datetime.now(UTC)
    return game_configs(snap, now, service.fleet.view(snap, now))


@router.get("/api/v1/games/{game}")
def game_status(game: str, service: ServiceDep, who: SessionViewer) -> Any:
    snap = viewed_game(service, game)
    if isinstance(snap, JSONResponse):
        return snap
    fleets, metas = service.observed([snap])
    return game_detail(snap, datetime.now(UTC), fleets[game], metas[game])


@router.get("/api/v1/games/{game}/servers")
def servers(game: str, service: ServiceDep, who: SessionViewer) -> Any:
    snap = viewed_game(service, game)
    if isinstance(snap, JSONResponse):
        return snap
    now = datetime.now(UTC)
    return game_servers(service.fleet.view(snap, now), now)


@router.get("/api/v1/games/{game}/diff")
def game_diff(
    game: str, service: ServiceDep, who: PageViewer, base: str = "", head: str = "", format: str = "text"
) -> Any:
    """What `hotswap diff BASE HEAD` prints, for the page's diff link (readable as the page is)."""
    if not (_SHA.fullmatch(base) and _SHA.fullmatch(head)) or format not in DIFF_FORMATS:
        return error(422, "base and head are commit ids (7 to 40 hex); format is text, json or markdown")
    if service.snapshot(game) is None:
        return error(404, f"no game {game!r}")
    with service.lock:
        try:
            old = gitsource.resolve(service.remote.repo, base)
            new = gitsource.resolve(service.remote.repo, head)
        except gitsource.GitSourceError as exc:
            return error(404, str(exc))
        text = DIFF_FORMATS[format](diff_revisions(service.remote.repo, old, new, DEFAULT_LIMITS))
    return PlainTextResponse(text, media_type="application/json" if format == "json" else "text/plain")


@router.get("/api/v1/deployments")
def deployments(service: ServiceDep, who: Viewer) -> Any:
    now = datetime.now(UTC)
    items = [deployment(s, r, now) for s in service.snapshots() for r in s.records.values()]
    items.sort(key=lambda d: d["startedAt"] or "", reverse=True)
    return {"deployments": items}


@router.get("/api/v1/deployments/{rollout}")
def one(rollout: str, service: ServiceDep, who: Viewer) -> Any:
    found = service.find(rollout)
    if found is None:
        return error(404, f"no deployment {rollout!r}")
    snap, record = found
    return deployment(snap, record, datetime.now(UTC)) | {"history": [e.as_json() for e in record.events]}


@router.get("/api/v1/deployments/{rollout}/metrics")
def rollout_metrics(rollout: str, service: ServiceDep, who: Viewer) -> Any:
    found = service.find(rollout)
    return error(404, f"no deployment {rollout!r}") if found is None else deployment_metrics(found[1])
