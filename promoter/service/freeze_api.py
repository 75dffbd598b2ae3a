"""`hotswap serve`'s way out of a mistaken freeze (operator): the same use case as
`hotswap approve --lift-freeze --reason TEXT`, recorded in the ledger with who and why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from contract.errors import Refused
from promoter.freeze_lift import lift_freeze
from promoter.service.auth import Principal
from promoter.usecases import Result

if TYPE_CHECKING:
    from promoter.service.app import Service

OperatorField = Callable[[Request, str], Awaitable[tuple[Principal, str] | JSONResponse]]


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def register_freeze(app: FastAPI, service: Service, operator_field: OperatorField) -> None:
    @app.post("/api/v1/games/{game}/lift-freeze")
    async def lift(game: str, request: Request) -> Any:
        asked = await operator_field(request, "reason")
        if isinstance(asked, JSONResponse):
            return asked
        who, reason = asked
        if service.snapshot(game) is None:
            return _error(404, f"no game {game!r}")

        def run() -> Result:
            with service.lock:
                service.remote.fetch()
                return lift_freeze(service.remote, game, reason.strip(), who.subject, None, service.reconciler.clock)

        try:
            result = await run_in_threadpool(run)
        except Refused as exc:
            return _error(409, str(exc))
        service.log.emit("lift-freeze", game=game, by=who.subject, changed=result.changed)
        if result.outcome.error:
            return _error(502, result.outcome.summary)
        if result.changed:
            service.wake.set()
        return {"game": game, "result": result.outcome.summary, "changed": result.changed, "by": who.subject}
