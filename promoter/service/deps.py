"""The dependencies every route of `hotswap serve` is built from: the service, the rate limit, who
asks (`require(role)`) and the one body parser. A dependency that refuses raises `Answer`, and the
app returns its response as it is (the JSON shapes and status codes of the API)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from contract.text import FreeTextError, check_free_text
from promoter.service import session
from promoter.service.auth import Forbidden, Principal, Unauthorized, authenticate
from promoter.service.auth import require as require_role
from promoter.service.limits import client_key
from promoter.service.page import login_page
from promoter.service.state import Service

MAX_BODY = 1 << 20


class Answer(Exception):
    """The request is answered here and now (a 401, a 413, a 422): `response` goes out unchanged."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def answer(request: Request, exc: Exception) -> Response:
    """The app's handler of `Answer`."""
    assert isinstance(exc, Answer)
    return exc.response


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


async def current_service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


ServiceDep = Annotated[Service, Depends(current_service)]


async def rate_limit(request: Request, service: ServiceDep) -> None:
    """A token bucket per client (limits.client_key); every route but the probes and /metrics."""
    address = request.client.host if request.client else "?"
    wait = service.limiter.take(client_key(service.auth, request.headers.get("authorization"), address))
    if wait:
        headers = {"Retry-After": str(max(1, round(wait)))}
        raise Answer(JSONResponse({"error": "too many requests"}, status_code=429, headers=headers))


def bearer(service: Service, request: Request, role: str) -> Principal:
    """The bearer token's principal, with `role` at least; otherwise the 401 or 403."""
    if not service.auth.enabled:
        raise Answer(error(401, "authentication is not configured on this server"))
    try:
        who = authenticate(service.auth, request.headers.get("authorization"))
        require_role(who, role)
    except Unauthorized as exc:
        raise Answer(error(401, str(exc))) from None
    except Forbidden as exc:
        raise Answer(error(403, str(exc))) from None
    return who


def require(role: str, cookie: bool = False) -> Callable[[Request, Service], Awaitable[Principal]]:
    """The dependency of a route that needs `role`. With `cookie`, the status page's session cookie
    stands for a viewer's token when the request carries no Authorization header."""

    async def who_asks(request: Request, service: ServiceDep) -> Principal:
        if cookie and "authorization" not in request.headers:
            assert service.session_key is not None  # create_app sets it
            who = session.verify(service.session_key, request.cookies.get(session.COOKIE))
            if who is not None:
                return who
        return bearer(service, request, role)

    return who_asks


Viewer = Annotated[Principal, Depends(require("viewer"))]
SessionViewer = Annotated[Principal, Depends(require("viewer", cookie=True))]
Operator = Annotated[Principal, Depends(require("operator"))]
Admin = Annotated[Principal, Depends(require("admin"))]
_session_viewer = require("viewer", cookie=True)


async def page_viewer(request: Request, service: ServiceDep) -> Principal | None:
    """None when the page is public; a browser without a session gets the login form with 401."""
    if service.public_status:
        return None
    try:
        return await _session_viewer(request, service)
    except Answer as refused:
        if refused.response.status_code == 401 and "authorization" not in request.headers:
            raise Answer(HTMLResponse(login_page(), status_code=401)) from None
        raise


PageViewer = Annotated[Principal | None, Depends(page_viewer)]


async def raw_body(request: Request) -> bytes:
    """The body, read no further than MAX_BODY (a missing or lying Content-Length included)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Answer(error(413, f"the body is over {MAX_BODY} bytes"))
    return body


RawBody = Annotated[bytes, Depends(raw_body)]


def parse_json_body(body: bytes) -> dict[str, Any]:
    """A JSON object, or a 400: not JSON, nested too deep for the parser, or a string that is not
    Unicode (a lone surrogate `\\ud800` cannot go into a commit message or a file)."""
    try:
        data = json.loads(body or b"{}")
        json.dumps(data, ensure_ascii=False).encode()
    except RecursionError:
        raise Answer(error(400, "the body is nested too deeply")) from None
    except UnicodeEncodeError:
        raise Answer(error(400, "the body holds a string that is not valid Unicode (a lone surrogate)")) from None
    except ValueError:
        raise Answer(error(400, "the body is not JSON")) from None
    if not isinstance(data, dict):
        raise Answer(error(400, "the body must be a JSON object"))
    return data


async def json_object(body: RawBody) -> dict[str, Any]:
    return parse_json_body(body)


JsonObject = Annotated[dict[str, Any], Depends(json_object)]


def operator_field(name: str) -> Callable[[Principal, dict[str, Any]], Awaitable[tuple[Principal, str]]]:
    """The dependency of an operator's action: who asks, and the one non-empty string field `name`
    its JSON body must hold. Checked in this order: the token, the body, the field, its text."""

    async def asked(who: Operator, data: JsonObject) -> tuple[Principal, str]:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Answer(error(422, "invalid request", fields={name: "required, a non-empty string"}))
        # both are written into a commit message and the ledger (the token's subject as `by`)
        for field, text in ((name, value), ("by", who.subject)):
            try:
                check_free_text(field, text)
            except FreeTextError as exc:
                raise Answer(error(422, "invalid request", fields={field: str(exc)})) from None
        return who, value

    return asked


Reason = Annotated[tuple[Principal, str], Depends(operator_field("reason"))]
Region = Annotated[tuple[Principal, str], Depends(operator_field("region"))]
