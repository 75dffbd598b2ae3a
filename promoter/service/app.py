"""The HTTP face of `hotswap serve` (FastAPI): read rollouts, approve, roll back, propose configs,
receive GitHub webhooks, export metrics. It never writes main: config changes become branches.

One router per area; who may call a route is a dependency of the route (`deps.require`), and
tests/promoter/service/test_route_roles.py holds every route to the role table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from promoter.service import (
    actions_api,
    events_api,
    freeze_api,
    page_api,
    probes_api,
    proposals_api,
    session,
    status_api,
    webhook,
)
from promoter.service.deps import MAX_BODY, Answer, answer, error, rate_limit
from promoter.service.state import Service, ServiceMetrics

__all__ = ["Service", "ServiceMetrics", "create_app"]

# Every router but the probes' is rate-limited (the limit runs before the route's own dependencies).
LIMITED = (page_api, status_api, actions_api, events_api, freeze_api, proposals_api, webhook)


async def declared_length(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """A body declared over MAX_BODY is refused before anything else is done (the body parser
    also stops reading at MAX_BODY: a missing or lying Content-Length)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        return error(413, f"the body is over {MAX_BODY} bytes")
    return await call_next(request)


def create_app(service: Service) -> FastAPI:
    app = FastAPI(title="HotSwap", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    service.fleet.register(service.metrics.registry)
    if service.session_key is None:
        service.session_key = session.session_key(service.auth)
    app.state.service = service
    app.state.replays = webhook.Replays()  # deliveries already received, per app
    app.add_exception_handler(Answer, answer)
    app.middleware("http")(declared_length)
    app.include_router(probes_api.router)
    for area in LIMITED:
        app.include_router(area.router, dependencies=[Depends(rate_limit)])
    return app
