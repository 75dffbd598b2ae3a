"""Which ring a server reads (DESIGN: Servers): the agent picks its ring by it, the promoter reads the
fleet by it, so both hold the one rule here."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def bucket(server_id: str) -> int:
    """`int(sha256(server_id)[:8 hex], 16) % 100`: stable, uniform, the same in every language."""
    return int(hashlib.sha256(server_id.encode("utf-8")).hexdigest()[:8], 16) % 100


def ring_for(server_id: str, rings: Sequence[int]) -> int:
    """The smallest ring p with bucket < p: at step p, exactly the servers with bucket < p run it."""
    b = bucket(server_id)
    for ring in sorted(rings):
        if b < ring:
            return ring
    raise ValueError(f"rings {list(rings)} do not end at 100")
