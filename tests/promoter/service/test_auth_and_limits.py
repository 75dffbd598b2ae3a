"""Who may call the API and how often, against the app in-process (no server, no Prometheus): a
Service over an empty remote is enough, so these run in milliseconds."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import jwt
import pygit2
import pytest
from fastapi.testclient import TestClient

from hotswap.commands.serve import settings_from_env
from hotswap.main import build_parser
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings, WeakSecret
from promoter.service.limits import RateLimiter, client_key
from tests.conftest import RunCli

SECRET = "an-hs256-secret-of-at-least-32-bytes"
ISSUER = "https://idp.studio.example"
AUDIENCE = "hotswap-api"


def _token(sub: str = "alice", role: str = "viewer", **claims: Any) -> str:
    payload = {"sub": sub, "role": role, "exp": int(time.time() + 600), **claims}
    return jwt.encode(payload, SECRET, algorithm="HS256")


def _client(tmp_path: Path, auth: AuthSettings, limiter: RateLimiter | None = None) -> TestClient:
    bare = tmp_path / "empty.git"
    pygit2.init_repository(str(bare), bare=True)
    remote = Remote(str(bare), tmp_path / "cache")
    service = Service(remote, Reconciler(remote, PrometheusSource("http://127.0.0.1:9")), auth, None, interval=3600)
    if limiter is not None:
        service.limiter = limiter
    return TestClient(create_app(service))


def _codes(client: TestClient, headers: list[dict[str, str]]) -> list[int]:
    return [client.get("/api/v1/games", headers=h).status_code for h in headers]


def test_padding_and_junk_headers_do_not_buy_a_fresh_bucket(tmp_path: Path) -> None:
    # No refill within the test (one token per ~12 days): the count alone decides.
    client = _client(tmp_path, AuthSettings(secret=SECRET), RateLimiter(rate=1e-6, burst=5))
    token = _token("alice")
    variants = [
        {"Authorization": f"Bearer {token}"},
        {"Authorization": f"Bearer {token} "},
        {"Authorization": f"Bearer   {token}   "},
        {"Authorization": f"Bearer {token}", "X-Junk": "1"},
        {"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9", "Cookie": "a=b"},
        {"Authorization": f"Bearer \t{token}"},
        {"Authorization": f"Bearer {token}", "X-Junk": "2"},
    ]
    assert _codes(client, variants) == [200] * 5 + [429] * 2
    # Another verified subject has its own bucket: the key is who, not the server as a whole.
    assert _codes(client, [{"Authorization": f"Bearer {_token('bob')}"}]) == [200]

    # Unverified callers (no token, junk, forged, altered) all count against their address.
    forged = jwt.encode({"sub": "alice", "role": "admin", "exp": int(time.time() + 60)}, "x" * 40, algorithm="HS256")
    unverified = [
        {},
        {"Authorization": "Bearer junk-1"},
        {"Authorization": "Bearer junk-2 "},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": "Basic dXNlcjpwYXNz", "X-Junk": "3"},
    ]
    assert _codes(client, unverified) == [401] * 5 + [429]
    limited = client.get("/api/v1/games")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert client.get("/healthz").status_code == 200  # probes are never limited


def test_the_limit_key_is_the_verified_subject_else_the_address() -> None:
    auth = AuthSettings(secret=SECRET)
    header = f"Bearer {_token('alice')}"
    assert client_key(auth, header, "10.0.0.1") == client_key(auth, header + "  ", "10.0.0.2") == "sub:alice"
    assert client_key(auth, "Bearer nonsense", "10.0.0.1") == client_key(auth, None, "10.0.0.1") == "addr:10.0.0.1"
    assert client_key(AuthSettings(), header, "10.0.0.1") == "addr:10.0.0.1"  # nothing can be verified


def test_issuer_and_audience_are_checked_when_configured(tmp_path: Path) -> None:
    client = _client(tmp_path, AuthSettings(secret=SECRET, issuer=ISSUER, audience=AUDIENCE))

    def status(**claims: Any) -> int:
        headers = {"Authorization": f"Bearer {_token(**claims)}"}
        return client.get("/api/v1/games", headers=headers).status_code

    assert status(iss=ISSUER, aud=AUDIENCE) == 200
    assert status(iss=ISSUER, aud=[AUDIENCE, "other"]) == 200
    assert status(iss="https://evil.example", aud=AUDIENCE) == 401
    assert status(aud=AUDIENCE) == 401  # no iss
    assert status(iss=ISSUER, aud="other-api") == 401
    assert status(iss=ISSUER) == 401  # no aud

    plain = _client(tmp_path / "plain", AuthSettings(secret=SECRET))  # not configured: not required
    assert plain.get("/api/v1/games", headers={"Authorization": f"Bearer {_token(iss='any')}"}).status_code == 200


def test_a_short_hs256_secret_is_refused() -> None:
    with pytest.raises(WeakSecret):
        AuthSettings(secret="a")
    with pytest.raises(WeakSecret):
        AuthSettings(secret="é" * 15 + "x")  # 31 bytes: counted in bytes, not characters
    assert AuthSettings(secret="x" * 32).enabled


def test_serve_refuses_to_start_with_a_short_secret(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker_cache = tmp_path / "cache"
    for secret in ("a", "x" * 31):
        monkeypatch.setenv("HOTSWAP_JWT_SECRET", secret)
        argv = ["serve", "--remote", str(tmp_path), "--cache", str(marker_cache), "--prometheus", "http://127.0.0.1:9"]
        code, _, err = run_cli(argv)
        assert code == 2 and err.count("\n") == 1 and "HOTSWAP_JWT_SECRET" in err, err
        assert len(secret) == 1 or secret not in err  # the secret is never echoed
    assert not marker_cache.exists()  # refused before touching the remote


def test_serve_reads_issuer_and_audience_from_flags_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSWAP_JWT_SECRET", SECRET)
    monkeypatch.setenv("HOTSWAP_JWT_ISSUER", ISSUER)
    monkeypatch.setenv("HOTSWAP_JWT_AUDIENCE", AUDIENCE)
    base = ["serve", "--remote", "r", "--prometheus", "p"]
    auth, _ = settings_from_env(build_parser().parse_args(base))
    assert (auth.issuer, auth.audience) == (ISSUER, AUDIENCE)
    auth, _ = settings_from_env(build_parser().parse_args([*base, "--jwt-issuer", "i2", "--jwt-audience", "a2"]))
    assert (auth.issuer, auth.audience) == ("i2", "a2")
    for name in ("HOTSWAP_JWT_ISSUER", "HOTSWAP_JWT_AUDIENCE"):
        monkeypatch.setenv(name, "")
    auth, _ = settings_from_env(build_parser().parse_args(base))
    assert (auth.issuer, auth.audience) == (None, None)
    assert os.environ["HOTSWAP_JWT_SECRET"] == auth.secret
