"""What an agent reads a config from: a ref of a git remote (fetched only when it moved; the git
channel, agent.git_channel, hands one out per ring) or a directory."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pygit2

from contract.errors import HotswapFailure
from contract.gitcli import check_remote_url, git_env
from contract.trailers import RELEASE, read_trailers
from pipeline.deployed import MAX_FILE_BYTES, UnreadableTree, tree_files
from pipeline.documents import CONFIG_SUFFIXES

GIT_TIMEOUT = 30


class SourceProblem(HotswapFailure):
    """The source cannot be read right now (network, missing ref): the agent keeps its config and backs off."""

    kind = "fetch"
    retryable = True


class MalformedTree(SourceProblem):
    """The ring's commit or tree cannot be read as a config folder (a missing object, a submodule, an
    entry of the wrong type): counted apart from fetch failures, the old config stays, the agent retries."""

    kind = "malformed"


@dataclass(frozen=True)
class Fetched:
    """One version of the ring: its id, the release it carries (12 hex) and its files (relative path -> bytes)."""

    version: str
    revision: str
    files: dict[str, bytes]
    # Files that cannot be used as they are (too large, a symlink): (rule, message), refused by validation.
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Head:
    """A deploy commit read alone, without its tree: enough to tell which config it carries and when."""

    version: str
    tree: str  # the tree's id: two commits with one tree carry one config
    revision: str
    trailers: Mapping[str, str]


class ConfigSource(Protocol):
    def current(self) -> str | None:
        """A cheap look at the version the source holds now (a commit id, a content hash)."""
        ...

    def fetch(self, version: str) -> Fetched:
        """Read that version in full."""
        ...


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


class DirectorySource:
    """A directory of config files (what a sidecar or a local test writes); its version is a content hash."""

    def __init__(self, directory: Path, max_bytes: int = 1 << 20) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def _read(self) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        if not self.directory.is_dir():
            raise SourceProblem(f"{self.directory} is not a directory")
        for path in sorted(self.directory.rglob("*")):
            if path.is_file() and path.name.endswith(CONFIG_SUFFIXES):
                if path.stat().st_size > self.max_bytes:
                    raise SourceProblem(f"{path} is over the size limit")
                files[path.relative_to(self.directory).as_posix()] = path.read_bytes()
        return files

    def current(self) -> str | None:
        digest = hashlib.sha256()
        for name, data in self._read().items():
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()

    def fetch(self, version: str) -> Fetched:
        files = self._read()
        return Fetched(version, version[:12], files)
