"""Approve and roll back (operator): the same use cases as `hotswap approve` and `hotswap rollback`,
applied to exactly the rollout the id names."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from promoter import usecases
from promoter.decide import DecisionError
from promoter.model import GameSnapshot, RolloutRecord
from promoter.rollout import ended_state
from promoter.service.auth import Principal
from promoter.service.deps import Reason, Region, ServiceDep, error
from promoter.service.state import Service
from promoter.write_guard import InvalidWrite, invalid_findings

router = APIRouter()
Action = Literal["approve", "rollback"]


@router.post("/api/v1/deployments/{rollout_id}/rollback")
async def rollback(rollout_id: str, service: ServiceDep, asked: Reason) -> Any:
    return await act(service, rollout_id, asked, "rollback")


@router.post("/api/v1/deployments/{rollout_id}/approve")
async def approve(rollout_id: str, service: ServiceDep, asked: Region) -> Any:
    return await act(service, rollout_id, asked, "approve")


async def act(service: Service, rollout_id: str, asked: tuple[Principal, str], name: Action) -> Any:
    """An ended rollout answers 409 with its state; a retry of an action already taken answers with
    the earlier result (changed: false)."""
    who, value = asked
    found = await run_in_threadpool(service.find, rollout_id)
    if found is None:
        return error(404, f"no deployment {rollout_id!r}")
    snap, record = found
    state = ended_state(record)
    if state is not None and not (name == "rollback" and state == "rolled-back"):
        return error(409, f"deployment {rollout_id} has ended: {state}", state=state)
    try:
        result = await run_in_threadpool(_write, service, snap, record, who, value, name)
    except DecisionError as exc:
        return error(409, str(exc))
    except InvalidWrite as exc:  # a tree the write would push fails validation: nothing moved
        return error(409, str(exc), findings=invalid_findings(exc))
    service.log.emit(
        name,
        game=snap.game,
        deployment=record.id,
        by=who.subject,
        changed=result.changed,
        summary=result.outcome.summary,
        kind=result.outcome.kind if result.outcome.error else None,
    )
    if result.outcome.error:
        return error(502, result.outcome.summary)
    if result.changed:
        service.wake.set()
    return {
        "game": snap.game,
        "deployment": record.id,
        "release": record.release,
        "result": result.outcome.summary,
        "changed": result.changed,
        "by": who.subject,
    }


def _write(
    service: Service, snap: GameSnapshot, record: RolloutRecord, who: Principal, value: str, name: Action
) -> usecases.Result:
    with service.lock:
        service.remote.fetch()
        clock, mode = service.reconciler.clock, service.reconciler.revert_main
        if name == "rollback":
            return usecases.rollback(service.remote, snap.game, value, who.subject, record.release, clock, mode)
        return usecases.approve(service.remote, snap.game, value, who.subject, record.release, clock)
