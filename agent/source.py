"""What an agent reads a config as (a version's head, its files), what goes wrong reading it, and the
plainest source: a directory. The git remote's sources are agent.git_channel's."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from contract.errors import HotswapFailure
from pipeline.documents import CONFIG_SUFFIXES


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
