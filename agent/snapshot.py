"""An immutable, validated config: what a match runs with from start to end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.events_schedule import Schedule


def freeze(value: Any) -> Any:
    """Deep read-only copy: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class ConfigSnapshot:
    game: str
    revision: str  # 12 hex of the deploy commit's Hotswap-Release: the config_revision label
    version: str  # the source's id of this version (the deploy commit)
    documents: Mapping[tuple[str, str], Mapping[str, Any]]  # (kind, name) -> spec, read-only
    files: Mapping[str, bytes]  # relative path -> bytes, as deployed (for a sidecar)

    def spec(self, kind: str, name: str | None = None) -> Mapping[str, Any]:
        """The spec of the (only, or named) document of a kind; KeyError when there is none."""
        matches = [spec for (k, n), spec in self.documents.items() if k == kind and (name is None or n == name)]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} {kind} documents{f' named {name}' if name else ''} in {self.revision}")
        return matches[0]

    def events(self, region: str, now: datetime) -> Schedule:
        """The live events active, scheduled and ended in `region` at `now`, and the next boundary."""
        from agent.events import events_at

        return events_at(self, region, now)

    def rings(self) -> tuple[int, ...]:
        try:
            return tuple(self.spec("RolloutPolicy")["rings"])
        except KeyError:
            return (100,)
