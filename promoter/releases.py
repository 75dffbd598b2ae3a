"""Reading a release: its RolloutPolicy and validity, judged by its own schemas, and the strategy
chosen by what it touches against what the game serves. Reads through the git adapter (the
remote's commits, schemas and snapshot); memoised, since commits are immutable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import pygit2

from contract.trailers import EVENT_STOP as EVENT_STOP_TRAILER
from contract.trailers import read_trailers as trailers
from pipeline import gitsource
from pipeline.documents import CONFIG_ROOT
from pipeline.policy import RolloutPolicy, policy_from_spec
from pipeline.policy_in_force import policy_in
from pipeline.schemas import SchemaLoadError
from pipeline.touched import touched_between
from pipeline.yamlstrict import DEFAULT_LIMITS
from promoter import release_strategy, write_guard
from promoter.event_trees import recorded_stops, unknown_stops
from promoter.model import DeployInfo, ReleaseInfo

if TYPE_CHECKING:
    from promoter.gitio import Remote


class Releases:
    """The releases of one remote, each read once."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote
        self._release_memo: dict[tuple[str, str], ReleaseInfo] = {}
        self._selection_memo: dict[tuple[str, str, str | None], ReleaseInfo] = {}

    def info(self, game: str, sha: str, rings: Mapping[tuple[str, int], DeployInfo] | None = None) -> ReleaseInfo:
        """The release's policy and validity, judged by its own schemas (memoized: commits are
        immutable), with the strategy chosen by what it touches against what the game serves."""
        key = (game, sha)
        if key not in self._release_memo:
            self._release_memo[key] = self._read_release(game, sha)
        info = self._release_memo[key]
        if info.policy is None or not info.policy.regions:
            commit = self.remote.commit(sha)
            return release_strategy.selected(info, (), trailers(commit), self._recorded_stop(game, sha))
        region = info.policy.regions[0].name
        rings = self.remote.snapshot(game).rings if rings is None else rings
        tip = rings.get((region, 100))
        stopped = tip is not None and bool(tip.stops or tip.previous_stops)
        unknown = unknown_stops(self.remote, game, sha) if stopped else {}
        served = release_strategy.served_before(rings, region, sha, unknown)
        return self._selection(game, sha, served, info)

    def _selection(self, game: str, sha: str, served: str | None, info: ReleaseInfo) -> ReleaseInfo:
        key = (game, sha, served)
        if key not in self._selection_memo:
            repo = self.remote.repo
            head = self.remote.commit(sha).tree[f"{CONFIG_ROOT}/{game}"].peel(pygit2.Tree)
            base = repo[served].peel(pygit2.Tree) if served is not None else None
            touched = touched_between(repo, game, base, head)
            found = trailers(self.remote.commit(sha))
            stop = EVENT_STOP_TRAILER in found and self._recorded_stop(game, sha)
            in_force = self._policy_in_force(game, sha, base)
            chosen = release_strategy.selected(info, touched, found, stop, in_force)
            if base is not None and in_force is None:  # fail closed: an unbounded release never deploys
                chosen = replace(chosen, problems=(*chosen.problems, release_strategy.IN_FORCE_UNREADABLE))
            self._selection_memo[key] = chosen
        return self._selection_memo[key]

    def _policy_in_force(self, game: str, sha: str, served: pygit2.Tree | None) -> RolloutPolicy | None:
        """The policy of the tree ring-100 serves, judged by the release's schemas or else the packaged ones."""
        if served is None:
            return None
        sources = gitsource.folder_sources(self.remote.repo, served, DEFAULT_LIMITS, f"{CONFIG_ROOT}/{game}")
        sets = [self.remote.schemas_for(self.remote.commit(sha)), self.remote.packaged_schemas()]
        return policy_in(sources, game, sets, DEFAULT_LIMITS)

    def _recorded_stop(self, game: str, sha: str) -> bool:
        """The commit is the main edit of a kill switch the ledger records (`hotswap event stop`):
        written in the same push as its record, so a trailer typed into a merge proves nothing."""
        return any(record.commit == sha for record in recorded_stops(self.remote, game).values())

    def _read_release(self, game: str, sha: str) -> ReleaseInfo:
        """Anything a loader raises on what main holds (an integer of 5,000 digits, a tree git
        cannot read) is this release's problem: the release is rejected, nothing else stops."""
        try:
            return self._validated_release(game, sha)
        except Exception as exc:  # a loader bug or limit must never stop the promoter
            problem = f"configs/{game}/ could not be read: {type(exc).__name__}: {str(exc)[:200]}"
            return ReleaseInfo(None, (problem,), problem)

    def _validated_release(self, game: str, sha: str) -> ReleaseInfo:
        commit = self.remote.commit(sha)
        try:
            schemas = self.remote.schemas_for(commit)
        except (gitsource.GitSourceError, SchemaLoadError) as exc:
            return ReleaseInfo(None, (f"schemas: {exc}",), f"schemas: {exc}")
        checked = write_guard.release_checked(self.remote.repo, commit, game, schemas)  # shared with the push guard
        result = checked.result
        problems = tuple(f"{f.file}:{f.line}:{f.column}: {f.message} [{f.rule}]" for f in checked.errors)
        policies = [d for d in result.parsed if d.kind == "RolloutPolicy"]
        if len(policies) != 1:
            return ReleaseInfo(None, problems, f"configs/{game}/ has {len(policies)} RolloutPolicy documents, not one")
        policy_doc = policies[0]
        policy_problems = [p for p in problems if p.startswith(policy_doc.file + ":")]
        if policy_problems:
            return ReleaseInfo(None, problems, f"RolloutPolicy invalid: {policy_problems[0]}")
        return ReleaseInfo(policy_from_spec(game, policy_doc.spec), problems)
