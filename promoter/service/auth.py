"""Bearer JWTs with a role claim: viewer reads, operator approves and rolls back, admin changes configs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

ROLES = ("viewer", "operator", "admin")
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash


class Unauthorized(Exception):
    """No usable token: HTTP 401."""


class Forbidden(Exception):
    """A valid token whose role is not enough: HTTP 403."""


class WeakSecret(ValueError):
    """An HS256 secret too short to resist guessing: the server does not start."""


@dataclass(frozen=True)
class AuthSettings:
    secret: str | None = None  # HS256 shared secret
    public_key: str | None = None  # RS256 public key (PEM)
    audience: str | None = None  # when set, a token must carry this `aud`
    issuer: str | None = None  # when set, a token must carry this `iss`

    def __post_init__(self) -> None:
        if self.secret and len(self.secret.encode()) < MIN_SECRET_BYTES:
            raise WeakSecret(f"the HS256 secret is {len(self.secret.encode())} bytes, under {MIN_SECRET_BYTES}")

    @property
    def enabled(self) -> bool:
        return bool(self.secret or self.public_key)


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str


def authenticate(settings: AuthSettings, header: str | None) -> Principal:
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("a bearer token is required")
    token = header.removeprefix("Bearer ").strip()
    key, algorithm = (settings.public_key, "RS256") if settings.public_key else (settings.secret, "HS256")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,  # type: ignore[arg-type]
            algorithms=[algorithm],  # never "none", never the token's own choice
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "sub"], "verify_aud": settings.audience is not None},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {type(exc).__name__}") from None
    role = claims.get("role")
    if role not in ROLES:
        raise Forbidden("the token carries no known role")
    return Principal(str(claims["sub"]), str(role))


def require(principal: Principal, role: str) -> None:
    if ROLES.index(principal.role) < ROLES.index(role):
        raise Forbidden(f"this needs the {role} role; the token has {principal.role}")
