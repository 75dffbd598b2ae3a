"""The promoter's git adapter as one object: `Remote` puts together the parts of `promoter.git`
(repository access and compare-and-swap, snapshot reading, writes, the ledger) and the release
reader (`promoter.releases`), so a caller holds one remote and reads and writes through it.

The behaviour lives in those modules; this one only wires them and keeps the per-fetch memo of
snapshots (a fetch or our own push moves refs, so what was read from them is forgotten).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pygit2

from promoter.git import ledger, snapshot, writes
from promoter.git.remote import GitProblem, GitRepository, PushRejected, PushResult, RefUpdate, redact, utc
from promoter.git.writes import invalid_ref_names, revert_branch
from promoter.model import Action, DeployInfo, GameSnapshot, ReleaseInfo
from promoter.releases import Releases

__all__ = [
    "GitProblem",
    "PushRejected",
    "PushResult",
    "RefUpdate",
    "Remote",
    "invalid_ref_names",
    "redact",
    "revert_branch",
    "utc",
]


class Remote(GitRepository):
    """A remote repository, seen through a local bare cache: read its games, write decisions."""

    def __init__(self, url: str, cache_root: Path) -> None:
        super().__init__(url, cache_root)
        self.releases = Releases(self)
        self._snapshots: dict[str, GameSnapshot] = {}

    def _forget(self) -> None:
        super()._forget()
        self._snapshots = {}

    # --- reading --------------------------------------------------------------------------------

    def games(self) -> list[str]:
        return snapshot.games(self)

    def snapshot(self, game: str) -> GameSnapshot:
        """A game as the cache holds it; read once per ref state (fetches and pushes reset it)."""
        if game not in self._snapshots:
            self._snapshots[game] = snapshot.read(self, game)
        return self._snapshots[game]

    def release_info(
        self, game: str, sha: str, rings: Mapping[tuple[str, int], DeployInfo] | None = None
    ) -> ReleaseInfo:
        return self.releases.info(game, sha, rings)

    # --- writing --------------------------------------------------------------------------------

    def apply(self, snap: GameSnapshot, actions: Sequence[Action], now: datetime) -> PushResult:
        """Every write of one decision (deploys or reverts, ledger, tag) in one atomic push."""
        return writes.apply_many(self, [(snap, actions)], now)

    def apply_many(self, decisions: writes.Decisions, now: datetime) -> PushResult:
        return writes.apply_many(self, decisions, now)

    def push_ledger(self, files: Mapping[str, Any], message: str, now: datetime) -> PushResult:
        return ledger.push_json(self, files, message, now)

    def branch_with_file(self, branch: str, path: str, content: bytes, message: str, now: datetime) -> PushResult:
        return writes.branch_with_file(self, branch, path, content, message, now)

    def propose(self, base: pygit2.Commit, path: str, content: bytes, by: str, now: datetime) -> tuple[str, str]:
        return writes.propose(self, base, path, content, by, now)

    def revert_main(self, release: str, reason: str, now: datetime) -> tuple[str, str]:
        return writes.revert_main(self, release, reason, now)

    def propose_revert(self, release: str, reason: str, now: datetime) -> tuple[str, str]:
        return writes.propose_revert(self, release, reason, now)
