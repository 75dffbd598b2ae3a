"""Browser sessions for the status page: a token posted once to the login form becomes a short-lived
cookie (HttpOnly, SameSite=Strict, Secure over https), signed with HMAC-SHA256 under a key derived
from the server's JWT secret (or a random key per process when tokens are checked with a public key).

The cookie carries the token's subject, its role and an expiry: never the token itself."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time

from promoter.service.auth import ROLES, AuthSettings, Principal

COOKIE = "hotswap_session"
LIFETIME = 15 * 60  # seconds: a session is short; sign in again with a fresh token


def session_key(auth: AuthSettings) -> bytes:
    if auth.secret:
        return hmac.new(auth.secret.encode(), b"hotswap session cookie v1", hashlib.sha256).digest()
    return os.urandom(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(key: bytes, who: Principal, expires: float) -> str:
    payload = _b64(json.dumps({"sub": who.subject, "role": who.role, "exp": int(expires)}).encode())
    return payload + "." + _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def verify(key: bytes, cookie: str | None, now: float | None = None) -> Principal | None:
    """The session's principal, or None (no cookie, a bad signature, expired, malformed)."""
    if not cookie or cookie.count(".") != 1:
        return None
    payload, signature = cookie.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict) or claims.get("role") not in ROLES or not isinstance(claims.get("sub"), str):
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= (time.time() if now is None else now):
        return None
    return Principal(claims["sub"], claims["role"])


def cookie_header(value: str, max_age: int, secure: bool) -> str:
    attributes = f"{COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict"
    return attributes + ("; Secure" if secure else "")
