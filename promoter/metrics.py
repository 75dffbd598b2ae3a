"""Metric sources: the Protocol the promoter asks, and Prometheus over its HTTP API.

Prometheus (or a proxy in front of it) can answer anything: a range vector, a string, NaN, an
HTML error page, JSON of another shape. Whatever is not one finite number is that query's
`MetricsError` (the check's "error" verdict, errorLimit applies), never another exception.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Protocol

import requests

from contract.errors import HotswapFailure
from promoter.gitio import redact


class MetricsError(HotswapFailure):
    """A query failed (unreachable, timeout, bad PromQL, an answer that is not one finite number):
    never grounds for a promotion or a rollback."""

    kind = "prometheus"
    retryable = True


class MetricsSource(Protocol):
    def query(self, promql: str, at: datetime) -> float | None:
        """One number, or None when there is no data. Raises MetricsError."""
        ...


class PrometheusSource:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        # No retries inside a pass (requests' default): the promoter's next pass is the retry.
        self.session = requests.Session()

    def query(self, promql: str, at: datetime) -> float | None:
        params = {"query": promql, "time": f"{at.timestamp():.3f}"}
        try:
            response = self.session.get(f"{self.url}/api/v1/query", params=params, timeout=self.timeout)
            body: Any = response.json() if response.content else None
        except (requests.RequestException, ValueError, RecursionError) as exc:
            raise MetricsError(redact(f"{type(exc).__name__}: {exc}")[:300]) from None
        return one_value(body, response.status_code)


def one_value(body: Any, status: int = 200) -> float | None:
    """The one finite number of a Prometheus query answer; None for an empty vector (no data)."""
    if not isinstance(body, dict):
        raise MetricsError(f"HTTP {status}: the answer is not a Prometheus API response")
    if body.get("status") != "success":
        error = body.get("error")
        raise MetricsError(f"HTTP {status}: {str(error)[:300] if error else 'the query failed'}")
    data = body.get("data")
    kind = data.get("resultType") if isinstance(data, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    if kind == "scalar":
        return _number(result)
    if kind != "vector":
        raise MetricsError(
            f"the query returned a {kind if isinstance(kind, str) else 'malformed answer'}; "
            "a check needs one number (an instant vector of one series, or a scalar)"
        )
    if not isinstance(result, list):
        raise MetricsError("the query returned a malformed vector")
    if not result:
        return None
    if len(result) > 1:
        raise MetricsError(f"the query returned {len(result)} series; aggregate it to one (sum, avg, ...)")
    sample = result[0]
    return _number(sample.get("value") if isinstance(sample, dict) else None)


def _number(sample: Any) -> float:
    """A sample `[time, "value"]` as a finite float."""
    text = sample[1] if isinstance(sample, list) and len(sample) == 2 else None
    if not isinstance(text, str):
        raise MetricsError("the query returned a malformed sample")
    try:
        value = float(text)
    except ValueError:
        raise MetricsError(f"the query returned {text[:40]!r}, not a number") from None
    if not math.isfinite(value):
        raise MetricsError(f"the query returned {text}, not a finite number")
    return value
