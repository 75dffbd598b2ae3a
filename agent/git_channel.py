"""The git distribution channel: the config repository as a game server sees it, one ref per feed
(`deploy/<game>/<region>/ring-<n>`, `.../green`), each read by a GitRingSource."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2

from agent.snapshot import ConfigSnapshot
from agent.source import Fetched, Head, MalformedTree, SourceProblem
from contract.gitcli import check_remote_url, git_env
from contract.refs import green_ref, ring_ref
from contract.trailers import RELEASE, read_trailers
from pipeline.deployed import MAX_FILE_BYTES, UnreadableTree, tree_files

GIT_TIMEOUT = 30


def _release_of(commit: pygit2.Commit) -> str:
    return (read_trailers(commit).get(RELEASE) or str(commit.id))[:12]


def _tree_files(
    repo: pygit2.Repository, commit: pygit2.Commit, max_bytes: int
) -> tuple[dict[str, bytes], dict[str, tuple[str, str]]]:
    """The commit's config files and the ones refused as they are (pipeline.deployed, the one reading
    the promoter checks a deploy tree with before it pushes one)."""
    try:
        return tree_files(repo, commit.tree, max_bytes)
    except UnreadableTree as exc:
        raise MalformedTree(f"{str(commit.id)[:12]}: {exc}") from None
    except (KeyError, ValueError, pygit2.GitError) as exc:  # the commit's own tree is missing
        raise MalformedTree(f"{str(commit.id)[:12]}: unreadable tree: {exc}") from None


class GitRingSource:
    """A ring branch on a git remote.

    A remote on this machine (a path or file://) is read in place with pygit2: the ref check is a
    file read and the "fetch" reads objects directly. Any other URL uses `git ls-remote` for the
    cheap check and `git fetch` of that one ref into a small local cache when it moved.
    """

    def __init__(
        self, url: str, ref: str, cache: Path | None = None, max_bytes: int = MAX_FILE_BYTES, in_place: bool = True
    ) -> None:
        self.url = check_remote_url(url)
        self.ref = ref
        self.max_bytes = max_bytes
        local = url.removeprefix("file://")
        self.local: pygit2.Repository | None = None
        if in_place and "://" not in local and Path(local).exists():
            self.local = pygit2.Repository(local)
        self.cache = cache
        self.fetches = 0  # full reads of a tree (fetch), not of a commit alone (head)

    def _cache_repo(self) -> pygit2.Repository:
        assert self.cache is not None
        if not (self.cache / "HEAD").exists():
            self.cache.mkdir(parents=True, exist_ok=True)
            pygit2.init_repository(str(self.cache), bare=True)
        return pygit2.Repository(str(self.cache))

    @property
    def where(self) -> str:
        return self.ref

    def current(self) -> str | None:
        if self.local is not None:
            try:
                return str(self.local.references[self.ref].target)
            except KeyError:
                return None
        out = self._git("ls-remote", "--", self.url, self.ref).stdout.split()
        return out[0] if out else None

    def fetch(self, version: str) -> Fetched:
        repo, commit = self._commit(version)
        self.fetches += 1
        files, problems = _tree_files(repo, commit, self.max_bytes)
        return Fetched(version, _release_of(commit), files, problems)

    def head(self, version: str) -> Head:
        """The commit alone: its tree's id and trailers, no object of the tree is read."""
        _, commit = self._commit(version)
        return Head(version, str(commit.tree_id), _release_of(commit), read_trailers(commit))

    def _commit(self, version: str) -> tuple[pygit2.Repository, pygit2.Commit]:
        if self.local is not None:
            repo = self.local
        else:
            if self.cache is None:
                raise SourceProblem("a remote URL needs a cache directory")
            repo = self._cache_repo()
            if version not in repo:  # fetched already (by head, then fetch): not again
                self._git(
                    *("--git-dir", str(self.cache), "fetch", "--quiet", "--depth=1", "--"),
                    *(self.url, f"+{self.ref}:{self.ref}"),
                )
        try:
            return repo, repo[version].peel(pygit2.Commit)
        except (KeyError, ValueError) as exc:
            raise SourceProblem(f"{version[:12]} is not in the repository: {exc}") from None

    def _git(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(
                ["git", *args],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT,
                check=False,
                env=git_env(self.url),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceProblem(f"git {args[0]}: {exc}") from None
        if result.returncode != 0:
            raise SourceProblem(f"git {args[0]}: {(result.stderr.strip().splitlines() or ['failed'])[-1]}")
        return result


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
