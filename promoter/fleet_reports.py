"""What the agents report, read from Prometheus (the adapter for promoter/observed.py).

Per game, three instant queries over what every agent exports (agent/metrics.py):

- `timestamp(hotswap_agent_config_info{game=G})`: the servers reporting now, their revision and when
  Prometheus last scraped it (a server that went away has its series marked stale: not here);
- `last_over_time(hotswap_agent_last_success_timestamp_seconds{game=G}[1h])`: when each server, gone
  or not, last read its ring;
- `last_over_time(hotswap_agent_config_info{game=G}[1h])`: the revision of a server that went away
  (kept only when it is unambiguous).

A server's last report is the newest of its scrape and its last ring read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import requests

from contract.errors import HotswapFailure
from contract.metrics import CONFIG_INFO, CONFIG_REVISION, GAME, LAST_SUCCESS, POOL, REGION, SERVER
from promoter.analysis import escape_label_value
from promoter.gitio import redact
from promoter.observed import LOOKBACK_SECONDS, Observation, Reports, ServerReport, Unobserved

Key = tuple[str, str]  # (region, server)


class FleetUnobservable(HotswapFailure):
    """Prometheus could not tell what the fleet runs (unreachable, an error, an answer of another shape)."""

    kind = "prometheus"
    retryable = True


class PrometheusFleet:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def reports(self, game: str, at: datetime) -> Reports:
        """Raises FleetUnobservable."""
        matcher = f'{{{GAME}="{escape_label_value(game)}"}}'
        window = f"[{LOOKBACK_SECONDS}s]"
        live = self._vector(f"timestamp({CONFIG_INFO}{matcher})", at)
        reads = self._vector(f"last_over_time({LAST_SUCCESS}{matcher}{window})", at)
        remembered = self._vector(f"last_over_time({CONFIG_INFO}{matcher}{window})", at)
        return Reports(tuple(merge(live, reads, remembered)))

    def observe(self, game: str, at: datetime) -> Observation:
        """The reports, or why there are none: never raises."""
        try:
            return self.reports(game, at)
        except FleetUnobservable as exc:
            return Unobserved(f"Prometheus at {redact(self.url)}: {exc}")

    def _vector(self, query: str, at: datetime) -> list[tuple[dict[str, str], float]]:
        try:
            response = self.session.get(
                f"{self.url}/api/v1/query",
                params={"query": query, "time": f"{at.timestamp():.3f}"},
                timeout=self.timeout,
            )
            body: Any = response.json()
        except requests.RequestException as exc:
            raise FleetUnobservable(redact(f"unreachable ({type(exc).__name__})")) from None
        except ValueError:
            raise FleetUnobservable(f"answered HTTP {response.status_code} with a body that is not JSON") from None
        return parse_vector(body)


def parse_vector(body: Any) -> list[tuple[dict[str, str], float]]:
    """An instant vector from Prometheus' JSON answer; anything else is FleetUnobservable."""
    if not isinstance(body, dict):
        raise FleetUnobservable("the answer is not a JSON object")
    if body.get("status") != "success":
        raise FleetUnobservable(f"query failed: {str(body.get('error', 'no error given'))[:200]}")
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise FleetUnobservable("the answer is not an instant vector")
    rows: list[tuple[dict[str, str], float]] = []
    for item in data["result"]:
        try:
            labels, value = item["metric"], float(item["value"][1])
        except (KeyError, IndexError, TypeError, ValueError):
            raise FleetUnobservable("a sample without labels or value") from None
        if isinstance(labels, dict) and math.isfinite(value):
            rows.append(({str(k): str(v) for k, v in labels.items()}, value))
    return rows


def _key(labels: dict[str, str]) -> Key | None:
    region, server = labels.get(REGION), labels.get(SERVER)
    return (region, server) if region and server else None


def _when(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
    except (OverflowError, OSError, ValueError):
        return None


def merge(
    live: list[tuple[dict[str, str], float]],
    reads: list[tuple[dict[str, str], float]],
    remembered: list[tuple[dict[str, str], float]],
) -> Iterator[ServerReport]:
    """One report per server from the three answers (see the module's docstring)."""
    now_rev: dict[Key, tuple[str, float]] = {}
    pools: dict[Key, str] = {}  # blue-green: the `pool` label of a server started in the green pool
    for labels, scraped in live:
        key = _key(labels)
        if key is not None and (key not in now_rev or scraped > now_rev[key][1]):
            now_rev[key] = (labels.get(CONFIG_REVISION, ""), scraped)
            if labels.get(POOL):
                pools[key] = labels[POOL]
    last_read: dict[Key, float] = {}
    for labels, value in reads:
        key = _key(labels)
        if key is not None:
            last_read[key] = max(value, last_read.get(key, 0.0))
    past: dict[Key, set[str]] = {}
    for labels, _ in remembered:
        key = _key(labels)
        if key is not None:
            past.setdefault(key, set()).add(labels.get(CONFIG_REVISION, ""))
    for key in sorted(set(now_rev) | set(last_read) | set(past)):
        if key in now_rev:
            revision: str | None = now_rev[key][0] or None
            newest = max(now_rev[key][1], last_read.get(key, 0.0))
        else:
            revisions = past.get(key, set())
            revision = next(iter(revisions)) or None if len(revisions) == 1 else None
            newest = last_read.get(key, 0.0)
        yield ServerReport(key[0], key[1], revision, _when(newest), pools.get(key))
