"""`hotswap serve`'s way out of a mistaken freeze (operator): the same use case as
`hotswap approve --lift-freeze --reason TEXT`, recorded in the ledger with who and why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from contract.errors import Refused
from promoter.freeze_lift import lift_freeze
from promoter.service.deps import Reason, ServiceDep, error
from promoter.usecases import Result

router = APIRouter()


@router.post("/api/v1/games/{game}/lift-freeze")
async def lift(game: str, service: ServiceDep, asked: Reason) -> Any:
    who, reason = asked
    if service.snapshot(game) is None:
        return error(404, f"no game {game!r}")

    def run() -> Result:
        with service.lock:
            service.remote.fetch()
            return lift_freeze(service.remote, game, reason.strip(), who.subject, None, service.reconciler.clock)

    try:
        result = await run_in_threadpool(run)
    except Refused as exc:
        return error(409, str(exc))
    service.log.emit("lift-freeze", game=game, by=who.subject, changed=result.changed)
    if result.outcome.error:
        return error(502, result.outcome.summary)
    if result.changed:
        service.wake.set()
    return {"game": game, "result": result.outcome.summary, "changed": result.changed, "by": who.subject}
