"""A real uvicorn server running the service over a real remote and Prometheus, for the API tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests
import uvicorn

from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings
from tests.promoter.fixtures import Fleet, GameRepo, bootstrapped, carries, free_port

SECRET = "test-jwt-secret-that-is-long-enough-for-hs256"
HOOK_SECRET = b"webhook-secret"


def token(role: str, sub: str = "alice", secret: str = SECRET, expires: float = 600) -> str:
    return jwt.encode({"sub": sub, "role": role, "exp": int(time.time() + expires)}, secret, algorithm="HS256")


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


@dataclass
class Api:
    url: str
    service: Service
    repo: GameRepo
    release: str

    def get(self, path: str, role: str | None = "viewer", **kw: Any) -> requests.Response:
        return requests.get(self.url + path, headers=auth(role) if role else {}, timeout=10, **kw)

    def post(self, path: str, role: str | None, body: Any = None, **kw: Any) -> requests.Response:
        headers = kw.pop("headers", {}) | (auth(role) if role else {})
        return requests.post(self.url + path, headers=headers, json=body, timeout=30, **kw)


def serve_api(tmp_path: Path, fleet: Fleet, game_name: str) -> Iterator[Api]:
    repo, _reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    remote = Remote(repo.url, tmp_path / "service-cache")
    service = Service(
        remote,
        Reconciler(remote, PrometheusSource(fleet.url, timeout=5)),
        AuthSettings(secret=SECRET),
        HOOK_SECRET,
        interval=3600,
    )
    service.reconcile_once()  # the first step: a deployment in progress
    assert carries(repo, release, [("NA-WEST", 10)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield Api(f"http://127.0.0.1:{port}", service, repo, release)
    server.should_exit = True
    thread.join(timeout=10)
