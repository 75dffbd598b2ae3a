"""The status page at / (viewer, or public with --public-status) and its sign-in: a token posted
once to /login becomes a short-lived session cookie (promoter.service.session)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from promoter.service import session
from promoter.service.auth import Forbidden, Unauthorized, authenticate, require
from promoter.service.deps import PageViewer, RawBody, ServiceDep
from promoter.service.events_api import events_section
from promoter.service.page import login_page, render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def status_page(service: ServiceDep, who: PageViewer) -> Any:
    snaps = service.snapshots()
    fleets, metas = service.observed(snaps)
    now = datetime.now(UTC)
    with service.lock:
        events = events_section(service.remote, [s.game for s in snaps], now)
    return HTMLResponse(render(snaps, now, fleets, metas, service.compare_url, events))


@router.get("/login", response_class=HTMLResponse)
def login_form() -> Any:
    return HTMLResponse(login_page())


@router.post("/login")
async def login(request: Request, service: ServiceDep, body: RawBody) -> Any:
    token = (parse_qs(body.decode("utf-8", "replace")).get("token") or [""])[0].strip()
    if not service.auth.enabled:
        return HTMLResponse(login_page("authentication is not configured on this server"), status_code=401)
    try:
        who = authenticate(service.auth, f"Bearer {token}")
        require(who, "viewer")
        expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
    except (Unauthorized, Forbidden, jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
        return HTMLResponse(login_page(f"not signed in: {exc}"), status_code=401)
    expires = min(expires, time.time() + session.LIFETIME)
    assert service.session_key is not None  # create_app sets it
    response = RedirectResponse("/", status_code=303)
    response.headers["set-cookie"] = session.cookie_header(
        session.mint(service.session_key, who, expires),
        max(1, int(expires - time.time())),
        request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Any:
    response = RedirectResponse("/login", status_code=303)
    response.headers["set-cookie"] = session.cookie_header("", 0, request.url.scheme == "https")
    return response
