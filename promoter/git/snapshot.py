"""Snapshot reading: a game's refs, as the cache holds them, turned into a `GameSnapshot` (rings,
green, main's candidate, approvals, the ledger's records). Pure reads; nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pygit2

from contract.refs import DEPLOY_PREFIX, MAIN_REF, parse_deploy_ref
from pipeline.documents import CONFIG_ROOT
from pipeline.yamlstrict import LoadLimits, YamlError, decode, parse
from promoter import ring_history
from promoter.git import ledger
from promoter.git.remote import GitRepository
from promoter.model import APPROVALS_ROOT, Candidate, DeployInfo, GameSnapshot
from promoter.ring_history import HISTORY_BOUND

if TYPE_CHECKING:
    from promoter.gitio import Remote

APPROVAL_LIMITS = LoadLimits(max_bytes=16 << 10, max_alias_nodes=0, max_depth=4)


def games(remote: GitRepository) -> list[str]:
    """Every game: a folder under main's configs/, or a ring ref still deployed."""
    names: set[str] = set()
    main = remote.ref(MAIN_REF)
    if main is not None:
        try:
            configs = remote.commit(main).tree[CONFIG_ROOT].peel(pygit2.Tree)
            names.update(e.name for e in configs if e.type == pygit2.GIT_OBJECT_TREE and e.name)
        except KeyError:
            pass
    for name in remote.refs(DEPLOY_PREFIX):
        parsed = parse_deploy_ref(name)
        if parsed is not None and not parsed.green:
            names.add(parsed.game)
    return sorted(names)


def read(remote: Remote, game: str) -> GameSnapshot:
    """A game as the cache holds it; each release in play judged through the adapter's release reader."""
    records, quarantine = ledger.read_rollouts(remote, game)
    candidate = _candidate(remote, game)
    rings = _rings(remote, game)
    wanted = {r.release for r in records.values() if r.ended is None}
    if candidate is not None:
        wanted.add(candidate.commit)
    releases = {sha: remote.release_info(game, sha, rings) for sha in wanted}
    reverted = frozenset(r.release for r in records.values() if any(e.type == "main-revert" for e in r.events))
    approvals = _approvals(remote, game, wanted)
    green = _green(remote, game)
    return GameSnapshot(game, candidate, rings, records, quarantine, releases, reverted, approvals, green)


def _approval(entry: pygit2.Object, release: str) -> tuple[str, str] | None:
    """(region, wait) of one approval file, if it is a small, well-formed approval of `release`."""
    name = entry.name or ""
    if entry.type != pygit2.GIT_OBJECT_BLOB or not name.endswith(".yaml"):
        return None
    try:
        data = entry.peel(pygit2.Blob).data
        value = parse(decode(data, APPROVAL_LIMITS), APPROVAL_LIMITS).value
    except (YamlError, ValueError, RecursionError, pygit2.GitError):  # ValueError: int() limits
        return None
    region = name.removesuffix(".yaml")
    if (
        isinstance(value, dict)
        and value.get("release") == release
        and value.get("region") == region
        and isinstance(value.get("wait"), str)
    ):
        return region, value["wait"]
    return None


def _approvals(remote: GitRepository, game: str, releases: Iterable[str]) -> dict[tuple[str, str], str]:
    """Approval files on main (`approvals/<game>/<sha12>/<region>.yaml`) for these releases: what
    each approves. A file that is not a small, well-formed approval of that release is ignored."""
    main = remote.ref(MAIN_REF)
    found: dict[tuple[str, str], str] = {}
    if main is None:
        return found
    tree = remote.commit(main).tree
    for release in releases:
        try:
            folder = tree[f"{APPROVALS_ROOT}/{game}/{release[:12]}"].peel(pygit2.Tree)
        except (KeyError, ValueError):
            continue
        for entry in folder:
            approved = _approval(entry, release)
            if approved is not None:
                found[(release, approved[0])] = approved[1]
    return found


def _game_tree(commit: pygit2.Commit, game: str) -> str | None:
    try:
        return str(commit.tree[f"{CONFIG_ROOT}/{game}"].id)
    except KeyError:
        return None


def _candidate(remote: GitRepository, game: str) -> Candidate | None:
    """The oldest commit of main's unbroken run with today's game tree: the release to roll out."""
    main = remote.ref(MAIN_REF)
    if main is None:
        return None
    commit = remote.commit(main)
    tree = _game_tree(commit, game)
    if tree is None:
        return None
    for _ in range(HISTORY_BOUND):
        if not commit.parents:
            break
        parent = commit.parents[0]
        if _game_tree(parent, game) != tree:
            break
        commit = parent
    return Candidate(str(commit.id), tree, commit.message.splitlines()[0] if commit.message else "")


def _rings(remote: GitRepository, game: str) -> dict[tuple[str, int], DeployInfo]:
    rings: dict[tuple[str, int], DeployInfo] = {}
    for name, sha in remote.refs(f"{DEPLOY_PREFIX}{game}/").items():
        parsed = parse_deploy_ref(name)
        if parsed is not None and parsed.percent is not None:
            rings[(parsed.region, parsed.percent)] = ring_history.deploy_info(remote.commit(sha))
    return rings


def _green(remote: GitRepository, game: str) -> dict[str, DeployInfo]:
    """Blue-green: each region's green ref. Kept apart from the rings: green is not a ring."""
    green: dict[str, DeployInfo] = {}
    for name, sha in remote.refs(f"{DEPLOY_PREFIX}{game}/").items():
        parsed = parse_deploy_ref(name)
        if parsed is not None and parsed.green:
            green[parsed.region] = ring_history.deploy_info(remote.commit(sha))
    return green
