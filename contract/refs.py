"""The refs HotSwap writes and servers read: their names and the one parser of a deploy ref.

Everything that builds or reads a ref name (the promoter's git adapter, the kill switch, the write
guard, the agent) goes through here, so a layout change is made once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEPLOY_PREFIX = "refs/heads/deploy/"
RELEASE_TAG_PREFIX = "refs/tags/release/"
LEDGER_REF = "refs/heads/hotswap/ledger"
MAIN_REF = "refs/heads/main"
GREEN = "green"

_DEPLOY_RE = re.compile(r"^refs/heads/deploy/([^/]+)/([^/]+)/(?:ring-(\d+)|(green))$")


def ring_ref(game: str, region: str, percent: int) -> str:
    return f"{DEPLOY_PREFIX}{game}/{region}/ring-{percent}"


def green_ref(game: str, region: str) -> str:
    """Blue-green only: what the region's green (pre-production) pool serves. Not a ring."""
    return f"{DEPLOY_PREFIX}{game}/{region}/{GREEN}"


def release_tag(game: str, release: str) -> str:
    return f"{RELEASE_TAG_PREFIX}{game}/{release[:12]}"


@dataclass(frozen=True)
class DeployRef:
    """A parsed ring or green ref: `percent` is None for green."""

    game: str
    region: str
    percent: int | None

    @property
    def green(self) -> bool:
        return self.percent is None

    @property
    def ring_name(self) -> str:
        """The last part of the ref: `ring-10` or `green`."""
        return GREEN if self.percent is None else f"ring-{self.percent}"


def parse_deploy_ref(ref: str) -> DeployRef | None:
    """The game, region and ring of a deploy ref; None for any other ref (and for `ring-` with no
    number, or a name with more or fewer parts)."""
    match = _DEPLOY_RE.match(ref)
    if match is None:
        return None
    game, region, percent, _green = match.groups()
    return DeployRef(game, region, int(percent) if percent is not None else None)
