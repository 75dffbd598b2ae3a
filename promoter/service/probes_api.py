"""Liveness, readiness and Prometheus metrics: public, and never rate-limited (a probe that is
limited fails a healthy server)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from promoter.service.deps import ServiceDep

router = APIRouter()


# async: answered on the event loop itself, never queued behind handlers waiting for the lock
# in the threadpool. A reconcile loop that ended is a failed liveness check.
@router.get("/healthz")
async def healthz(service: ServiceDep) -> Response:
    alive = service.loop_state != "stopped"
    beat = service.loop_beat
    body = {
        "ok": alive,
        "loop": service.loop_state,
        "loopBeatAgeSeconds": None if beat is None else round(time.time() - beat, 3),
    }
    return JSONResponse(body, status_code=200 if alive else 503)


@router.get("/readyz")
async def readyz(service: ServiceDep) -> Response:
    last = service.last_pass
    fresh = last is not None and time.time() - last < 3 * service.interval + 5
    body = {
        "ready": fresh,
        "passes": service.passes,
        "lastPassAgeSeconds": None if last is None else round(time.time() - last, 3),
        "lastError": service.last_error,
    }
    return JSONResponse(body, status_code=200 if fresh else 503)


@router.get("/metrics")
def metrics(service: ServiceDep) -> Any:
    return PlainTextResponse(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)
