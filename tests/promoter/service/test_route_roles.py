"""Every route of the app is in the role table, and each enforces the role the table gives it: a
new route cannot be public by accident. In-process (no server, no Prometheus), over an empty remote."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import fastapi.routing
import jwt
import pygit2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from promoter.service import session
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings, Principal
from promoter.service.limits import RateLimiter

SECRET = "an-hs256-secret-of-at-least-32-bytes"
HOOK_SECRET = b"webhook-secret"

# public: anyone; viewer/operator/admin: a bearer token with that role at least; session: a viewer's
# bearer token or the status page's session cookie; page: as session, or anyone with
# --public-status, and a browser without a session gets the login form; webhook-signature: GitHub's
# X-Hub-Signature-256 over the body.
ROLES: dict[tuple[str, str], str] = {
    ("GET", "/"): "page",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",  # it checks the token posted in its form instead
    ("POST", "/logout"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/metrics"): "public",
    ("GET", "/api/v1/openapi.json"): "public",
    ("GET", "/api/v1/games"): "viewer",
    ("GET", "/api/v1/games/{game}/configs"): "viewer",
    ("GET", "/api/v1/games/{game}"): "session",
    ("GET", "/api/v1/games/{game}/servers"): "session",
    ("GET", "/api/v1/games/{game}/events"): "session",
    ("GET", "/api/v1/games/{game}/diff"): "page",
    ("GET", "/api/v1/deployments"): "viewer",
    ("GET", "/api/v1/deployments/{rollout}"): "viewer",
    ("GET", "/api/v1/deployments/{rollout}/metrics"): "viewer",
    ("POST", "/api/v1/deployments/{rollout_id}/approve"): "operator",
    ("POST", "/api/v1/deployments/{rollout_id}/rollback"): "operator",
    ("POST", "/api/v1/games/{game}/events/{name}/stop"): "operator",
    ("POST", "/api/v1/games/{game}/lift-freeze"): "operator",
    ("POST", "/api/v1/game-configs"): "admin",
    ("POST", "/webhooks/github"): "webhook-signature",
}
DENIED = (401, 403)


def _token(role: str) -> dict[str, str]:
    claims = {"sub": "alice", "role": role, "exp": int(time.time() + 600)}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@pytest.fixture(scope="module")
def app_and_service(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, Service]:
    tmp = tmp_path_factory.mktemp("roles")
    bare = tmp / "empty.git"
    pygit2.init_repository(str(bare), bare=True)
    remote = Remote(str(bare), tmp / "cache")
    reconciler = Reconciler(remote, PrometheusSource("http://127.0.0.1:9"))
    service = Service(remote, reconciler, AuthSettings(secret=SECRET), HOOK_SECRET, interval=3600)
    service.limiter = RateLimiter(rate=1e6, burst=10**6)  # the limit is not what is tested here
    return TestClient(create_app(service)), service


def routes(client: TestClient) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, included routers walked (a FastAPI that keeps
    them whole names its walker; an older one copies their routes into app.routes)."""
    app: FastAPI = client.app  # type: ignore[assignment]
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    found: set[tuple[str, str]] = set()
    for route in walk(app.routes) if walk else app.routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        assert path and methods, route  # a mount or a websocket: give this test a way to check it
        found.update((method, path) for method in methods if method != "HEAD")
    return found


def test_every_route_is_in_the_role_table_and_every_entry_is_a_route(
    app_and_service: tuple[TestClient, Service],
) -> None:
    client, _ = app_and_service
    assert sorted(routes(client) - ROLES.keys()) == [], "a route without a role: add it to ROLES"
    assert sorted(ROLES.keys() - routes(client)) == [], "ROLES names a route the app no longer has"


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    url = path.replace("{", "").replace("}", "")  # /api/v1/games/game: no such game, none needed
    if (method, path) == ("POST", "/login"):
        token = headers.pop("Authorization", "Bearer ").removeprefix("Bearer ")
        return client.post(url, data={"token": token}, headers=headers, follow_redirects=False)
    body = {"reason": "a reason", "region": "NA-WEST"}
    return client.request(method, url, json=body if method == "POST" else None, headers=headers)


@pytest.mark.parametrize(("method", "path"), sorted(ROLES))
def test_each_route_enforces_its_role(app_and_service: tuple[TestClient, Service], method: str, path: str) -> None:
    client, service = app_and_service
    role = ROLES[(method, path)]
    assert service.session_key is not None
    cookie = {
        "Cookie": f"{session.COOKIE}={session.mint(service.session_key, Principal('alice', 'viewer'), time.time() + 600)}"
    }
    nobody = _call(client, method, path, {})
    if role == "public":
        assert _call(client, method, path, _token("viewer")).status_code not in DENIED
        if (method, path) != ("POST", "/login"):  # without a token in the form it signs nobody in
            assert nobody.status_code not in DENIED, nobody.text
        return
    assert nobody.status_code == 401, (nobody.status_code, nobody.text)
    if role == "webhook-signature":
        body = b"{}"
        signed = {"X-Hub-Signature-256": "sha256=" + hmac.new(HOOK_SECRET, body, hashlib.sha256).hexdigest()}
        assert client.post(path, content=body, headers=_token("admin")).status_code == 401  # a token is no signature
        assert client.post(path, content=body, headers=signed).status_code not in DENIED
        return
    assert nobody.headers.get("WWW-Authenticate") == "Bearer" or role == "page"
    ladder = ("viewer", "operator", "admin")
    needed = "viewer" if role in ("session", "page") else role
    for held in ladder:
        answer = _call(client, method, path, _token(held))
        if ladder.index(held) < ladder.index(needed):
            assert answer.status_code == 403, (held, answer.text)
        else:
            assert answer.status_code not in DENIED, (held, answer.text)
    by_cookie = _call(client, method, path, cookie).status_code
    assert (by_cookie not in DENIED) if role in ("session", "page") else by_cookie == 401


def test_the_page_routes_are_public_only_with_public_status(app_and_service: tuple[TestClient, Service]) -> None:
    client, service = app_and_service
    pages = [path for (method, path), role in ROLES.items() if role == "page"]
    assert all(client.get(p.replace("{", "").replace("}", "")).status_code == 401 for p in pages)
    service.public_status = True
    try:
        assert all(client.get(p.replace("{", "").replace("}", "")).status_code not in DENIED for p in pages)
    finally:
        service.public_status = False
