"""`POST /webhooks/github`: GitHub's deliveries wake the loop, at most once per real event.

The signature is checked before anything in the body is looked at. GitHub retries a delivery it
thinks failed and shows a 409 as a failed delivery, so everything that is not new is answered 200
and does nothing: a delivery id already received, and a signed body already received within
REPLAY_WINDOW under another delivery id (a captured delivery replayed). Pushes to HotSwap's own
refs (deploy/*, hotswap/* with the ledger, release tags) and deliveries for another repository
than the configured one are ignored instead of waking a full pass each."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from contract.refs import DEPLOY_PREFIX, LEDGER_REF, RELEASE_TAG_PREFIX
from promoter.service.deps import Answer, RawBody, ServiceDep
from promoter.service.limits import signature_ok
from promoter.service.state import Service

REPLAY_WINDOW = 600.0  # seconds a signed body is remembered
REMEMBERED = 10_000  # delivery ids and bodies remembered at most (bounded memory)
OWN_REFS = (DEPLOY_PREFIX, "refs/heads/hotswap/", LEDGER_REF, RELEASE_TAG_PREFIX)


@dataclass
class Replays:
    """Recent delivery ids and body digests, each remembered for `window` seconds, at most `size`."""

    window: float = REPLAY_WINDOW
    size: int = REMEMBERED
    _ids: OrderedDict[str, float] = field(default_factory=OrderedDict)
    _bodies: OrderedDict[str, float] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, delivery: str, body: bytes, now: float) -> str | None:
        """Why this delivery is not new ("delivery", "body"), or None (and it is remembered)."""
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            for memory in (self._ids, self._bodies):
                while memory and (next(iter(memory.values())) < now - self.window or len(memory) > self.size):
                    memory.popitem(last=False)
            if delivery in self._ids:
                return "delivery"
            self._ids[delivery] = now
            if digest in self._bodies:
                return "body"
            self._bodies[digest] = now
            return None


def configured_repository(service: Service) -> str | None:
    """owner/name of the repository HotSwap talks to, when GitHub is configured."""
    for port in (service.github, getattr(service.notifier, "github", None)):
        repository = getattr(getattr(port, "settings", None), "repository", None)
        if isinstance(repository, str):
            return repository
    return None


def decide(event: str, payload: Any, repository: str | None) -> tuple[bool, str]:
    """(wake the loop, why): pure, on the parsed payload."""
    if event == "ping":
        return False, "pong"
    data = payload if isinstance(payload, dict) else {}
    repo = data.get("repository")
    name = repo.get("full_name") if isinstance(repo, dict) else None
    if repository is not None and isinstance(name, str) and name.lower() != repository.lower():
        return False, f"ignored: a delivery for {name}, not {repository}"
    if event == "push":
        ref = data.get("ref")
        if isinstance(ref, str) and ref.startswith(OWN_REFS):
            return False, "ignored: a push to HotSwap's own ref"
        return True, "main may have moved"
    if event == "pull_request":
        if data.get("action") == "closed":
            return True, "a pull request was merged or closed"
        return False, f"ignored: pull request {data.get('action')}"
    return False, f"ignored: {event or 'no'} event"


router = APIRouter()


async def configured_secret(service: ServiceDep) -> bytes:
    """The webhook's secret; without one the endpoint does not exist (404), before any body is read."""
    if service.webhook_secret is None:
        raise Answer(JSONResponse({"error": "webhooks are not configured"}, status_code=404))
    return service.webhook_secret


@router.post("/webhooks/github")
async def webhook(
    request: Request, service: ServiceDep, secret: Annotated[bytes, Depends(configured_secret)], body: RawBody
) -> Any:
    if not signature_ok(secret, body, request.headers.get("x-hub-signature-256")):
        service.metrics.errors.labels("webhook-signature").inc()
        return JSONResponse({"error": "bad signature"}, status_code=401)
    delivery = request.headers.get("x-github-delivery")
    if not delivery:
        return JSONResponse({"error": "no X-GitHub-Delivery"}, status_code=400)
    replays: Replays = request.app.state.replays
    again = replays.seen(delivery, body, time.monotonic())
    if again is not None:
        service.metrics.errors.labels(f"webhook-duplicate-{again}").inc()
        return {"duplicate": again}
    try:
        payload = json.loads(body) if body else {}
    except (ValueError, RecursionError):
        return JSONResponse({"error": "the body is not JSON"}, status_code=400)
    wake, why = decide(request.headers.get("x-github-event", ""), payload, configured_repository(service))
    if not wake:
        return {"ok": True, "result": why}
    service.wake.set()
    return JSONResponse({"reconcile": "scheduled", "why": why}, status_code=202)
