"""What an agent reads its configs through: a channel (DESIGN: the agent).

A channel answers three questions and nothing else about how configs travel: which source carries a
ring of a region (`ring`), which one carries the region's blue-green pre-production pool (`green`,
on a channel that has one), and, per source, what a version is before it is fetched (`head`: the
tree it carries, so a config held in memory is not fetched again) and the version in full (`fetch`).
The Agent and its blue-green side depend on these protocols only; the git implementation is
agent.git_channel (one ring branch per ref), and a plain ConfigSource (a directory, a sidecar's
folder) is one source for every ring, without a green pool. Another distribution channel (an object
store, a CDN) is one more implementation of `Channel`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from agent.source import ConfigSource, Fetched, Head, SourceProblem

if TYPE_CHECKING:
    from agent.snapshot import ConfigSnapshot


class RingSource(Protocol):
    """One feed of a channel (a ring, a green pool): a cheap look, a version's head, a version in full."""

    @property
    def where(self) -> str:
        """What messages call it: a ref, a path."""
        ...

    def current(self) -> str | None:
        """A cheap look at the version the source holds now (None: it does not exist)."""
        ...

    def head(self, version: str) -> Head:
        """The version read alone, without its files: which config (tree) it carries, and its trailers."""
        ...

    def fetch(self, version: str) -> Fetched:
        """Read that version in full."""
        ...


@runtime_checkable
class Channel(Protocol):
    """Where a game server's configs come from: a source per ring, and a region's green pool."""

    @property
    def green_pool(self) -> bool:
        """The channel carries a region's green pool (blue-green): servers may follow it, and a blue
        server pre-fetches it; without one every server is blue."""
        ...

    @property
    def loaded(self) -> MutableMapping[str, ConfigSnapshot] | None:
        """Validated snapshots by version, shared by the servers that read through the channel (a
        fleet in one process validates a version once); None: each server validates its own."""
        ...

    def ring(self, game: str, region: str, percent: int) -> RingSource:
        """The source of the region's ring a server of bucket `percent` follows."""
        ...

    def green(self, game: str, region: str) -> RingSource:
        """The source of the region's green pool (only asked of a channel with `green_pool`)."""
        ...


class OneSource:
    """A ConfigSource as a channel: the same source for every ring, no green pool, no shared memo."""

    green_pool = False
    loaded: MutableMapping[str, ConfigSnapshot] | None = None

    def __init__(self, source: ConfigSource) -> None:
        self.source = source

    @property
    def where(self) -> str:
        return "the source"

    def ring(self, game: str, region: str, percent: int) -> RingSource:
        return self

    def green(self, game: str, region: str) -> RingSource:
        raise SourceProblem("this source has no green pool")

    def current(self) -> str | None:
        return self.source.current()

    def head(self, version: str) -> Head:
        """A source without heads: its version (a content hash) names its config."""
        return Head(version, version, version[:12], {})

    def fetch(self, version: str) -> Fetched:
        return self.source.fetch(version)


def as_channel(source: Channel | ConfigSource) -> Channel:
    """The channel an agent reads through: a channel as it is, a lone ConfigSource as one source."""
    return source if isinstance(source, Channel) else OneSource(source)
