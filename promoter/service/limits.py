"""Per-client rate limiting (a token bucket per client) and the webhook's signature check."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from promoter.service.auth import AuthSettings, Forbidden, Unauthorized, authenticate


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when the request may go; otherwise the seconds to wait (Retry-After)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.pop(client, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets[client] = bucket
            while len(self._buckets) > self.max_clients:  # bounded memory under many clients
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


def client_key(auth: AuthSettings, authorization: str | None, address: str) -> str:
    """Whom a request is counted against: the verified subject of its token, else its address.
    What a client can vary for free (padding, a forged or junk token, other headers) never buys it a
    fresh bucket; only a token the server signed does, and one bucket per subject."""
    if auth.enabled and authorization:
        try:
            return "sub:" + authenticate(auth, authorization).subject
        except (Unauthorized, Forbidden):
            pass
    return "addr:" + address


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """GitHub's X-Hub-Signature-256, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())
