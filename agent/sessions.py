"""The session-length histogram plus its sum of squares, observed in bulk.

A sped-up fleet ends hundreds of thousands of sessions a second, too many for one
`Histogram.observe` each; this collector adds a tick's sessions with numpy and exports the same
`hotswap_session_duration_seconds` histogram (`_bucket`, `_sum`, `_count`) and
`hotswap_session_duration_seconds_squares_total`, the sum of squared lengths a mean check needs
for the variance. Children are per label set, like prometheus_client's: a new revision starts at 0.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

NAME = "hotswap_session_duration_seconds"
BUCKETS = (60.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0, 7200.0)


@dataclass
class _Child:
    buckets: NDArray[np.int64] = field(default_factory=lambda: np.zeros(len(BUCKETS) + 1, dtype=np.int64))
    total: float = 0.0
    squares: float = 0.0


class SessionDurations(Collector):
    def __init__(self, labelnames: Sequence[str]) -> None:
        self.labelnames = tuple(labelnames)
        self._children: dict[tuple[str, ...], _Child] = {}
        self._lock = threading.Lock()

    def start(self, labels: Sequence[str]) -> None:
        """Export the label set at 0 before its first session ends."""
        with self._lock:
            self._children.setdefault(tuple(labels), _Child())

    def observe(self, labels: Sequence[str], lengths: NDArray[np.float64]) -> None:
        # bucket i holds lengths <= BUCKETS[i] and > BUCKETS[i - 1]; the last one is +Inf
        counts = np.bincount(np.searchsorted(BUCKETS, lengths, side="left"), minlength=len(BUCKETS) + 1)
        with self._lock:
            child = self._children.setdefault(tuple(labels), _Child())
            child.buckets += counts
            child.total += float(lengths.sum())
            child.squares += float(np.square(lengths).sum())

    def remove(self, labels: Sequence[str]) -> None:
        with self._lock:
            self._children.pop(tuple(labels), None)

    def describe(self) -> Iterable[Metric]:
        return self._families({})

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            children = {k: _Child(v.buckets.copy(), v.total, v.squares) for k, v in self._children.items()}
        return self._families(children)

    def _families(self, children: dict[tuple[str, ...], _Child]) -> list[Metric]:
        histogram = HistogramMetricFamily(NAME, "Length of finished sessions.", labels=self.labelnames)
        squares = CounterMetricFamily(
            f"{NAME}_squares", "Sum of squared lengths of finished sessions.", labels=self.labelnames
        )
        bounds = [*(repr(b) for b in BUCKETS), "+Inf"]  # as prometheus_client writes `le`: "60.0"
        for labels, child in children.items():
            cumulative = np.cumsum(child.buckets)
            histogram.add_metric(
                list(labels), list(zip(bounds, (float(c) for c in cumulative), strict=True)), child.total
            )
            squares.add_metric(list(labels), child.squares)
        return [histogram, squares]
