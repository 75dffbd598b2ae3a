"""Metric sources: the Protocol the promoter asks, and Prometheus through prometheus-api-client."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Protocol

import requests
from prometheus_api_client import PrometheusConnect
from prometheus_api_client.exceptions import PrometheusApiClientException
from urllib3.util.retry import Retry

from promoter.errors import HotswapFailure
from promoter.gitio import redact


class MetricsError(HotswapFailure):
    """A query failed (unreachable, timeout, bad PromQL): never grounds for a promotion or a rollback."""

    kind = "prometheus"
    retryable = True


class MetricsSource(Protocol):
    def query(self, promql: str, at: datetime) -> float | None:
        """One number, or None when there is no data. Raises MetricsError."""
        ...


class PrometheusSource:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        # The client retries 3 times with backoff by default, which makes a dead Prometheus cost
        # seconds per query; the promoter's next pass is the retry.
        no_retry = Retry(total=0, connect=0, read=0, redirect=0, status=0)
        self.client = PrometheusConnect(url=self.url, disable_ssl=False, retry=no_retry, timeout=timeout)

    def query(self, promql: str, at: datetime) -> float | None:
        try:
            result: Any = self.client.custom_query(promql, params={"time": f"{at.timestamp():.3f}"})
        except (requests.RequestException, PrometheusApiClientException, ValueError) as exc:
            raise MetricsError(redact(f"{type(exc).__name__}: {exc}")[:300]) from None
        return _one_value(result)


def _one_value(result: Any) -> float | None:
    if not result:
        return None
    if isinstance(result, list) and len(result) == 2 and not isinstance(result[0], dict):  # a scalar
        value = float(result[1])
    elif len(result) > 1:
        raise MetricsError(f"the query returned {len(result)} series; aggregate it to one (sum, avg, ...)")
    else:
        value = float(result[0]["value"][1])
    return value if math.isfinite(value) else None
