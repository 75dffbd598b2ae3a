"""The git distribution channel: the config repository as a game server sees it, one ref per feed
(`deploy/<game>/<region>/ring-<n>`, `.../green`), each read by agent.source.GitRingSource."""

from __future__ import annotations

from pathlib import Path

from agent.snapshot import ConfigSnapshot
from agent.source import GitRingSource
from contract.refs import green_ref, ring_ref


class GitRemote:
    """The config repository as a game server sees it: one ring branch at a time (agent.channel.Channel)."""

    green_pool = True  # deploy/<game>/<region>/green: blue-green's pre-production pool

    def __init__(self, url: str, cache: Path | None = None, in_place: bool = True) -> None:
        self.url = url
        self.cache = cache
        self.in_place = in_place  # read a remote on this machine directly (False: always the git protocol)
        self._sources: dict[str, GitRingSource] = {}
        # Validated snapshots by deploy commit: servers of one ring share the work (a fleet in one process).
        self.loaded: dict[str, ConfigSnapshot] = {}

    def ring(self, game: str, region: str, percent: int) -> GitRingSource:
        return self._source(game, region, ring_ref(game, region, percent))

    def green(self, game: str, region: str) -> GitRingSource:
        """The region's blue-green pre-production pool (DESIGN: Strategies)."""
        return self._source(game, region, green_ref(game, region))

    def _source(self, game: str, region: str, ref: str) -> GitRingSource:
        if ref not in self._sources:
            # One cache for a region's refs: a switch commit whose tree came with green is fetched alone.
            cache = self.cache / f"{game}-{region}.git" if self.cache else None
            self._sources[ref] = GitRingSource(self.url, ref, cache, in_place=self.in_place)
        return self._sources[ref]
