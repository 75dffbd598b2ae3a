from __future__ import annotations

import pytest
from scipy.stats import chisquare

from contract.ring import bucket, ring_for

RINGS = (10, 30, 50, 100)


@pytest.mark.parametrize(
    ("server", "expected_bucket", "expected_ring"),
    [("na-west-002", 25, 30), ("eu-east-17", 14, 30), ("na-west-001", 87, 100)],
)
def test_design_vectors(server: str, expected_bucket: int, expected_ring: int) -> None:
    assert bucket(server) == expected_bucket
    assert ring_for(server, RINGS) == expected_ring


def test_ring_edges() -> None:
    # bucket < ring: a server in bucket 10 is not in ring-10
    ids = {bucket(f"s-{i}"): f"s-{i}" for i in range(2000)}
    assert ring_for(ids[9], RINGS) == 10
    assert ring_for(ids[10], RINGS) == 30
    assert ring_for(ids[99], RINGS) == 100
    with pytest.raises(ValueError):
        ring_for(ids[99], (10, 50))


def test_buckets_are_uniform_over_100000_ids() -> None:
    counts = [0] * 100
    for i in range(100_000):
        counts[bucket(f"server-{i:06d}")] += 1
    assert chisquare(counts).pvalue > 0.001  # uniform: no bucket favoured
    share_in_ring_10 = sum(counts[:10]) / 100_000
    assert 0.09 < share_in_ring_10 < 0.11
