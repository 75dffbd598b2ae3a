"""Repository access and compare-and-swap: the only promoter code that runs git.

Reads go to a local bare cache of the remote, fetched on every pass. Writes are built as objects
in the cache with pygit2 (no work tree), then sent in ONE `git push --atomic --porcelain
--force-with-lease=<ref>:<expected> ...`: every ref of a decision moves, or none does, and only if
no one else moved it since we read it. pygit2's own push is neither atomic nor checked against
concurrent writers, so it is never used for writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pygit2
from pygit2.enums import ReferenceType

from contract.errors import HotswapFailure
from contract.gitcli import check_remote_url, git_env
from pipeline import gitsource
from pipeline.documents import CONFIG_ROOT, SourceFile
from pipeline.schemas import PACKAGED_SCHEMAS, SCHEMA_DIR, SchemaSet
from pipeline.yamlstrict import DEFAULT_LIMITS
from promoter import write_guard

GIT_TIMEOUT = 120
_SECRET_RE = re.compile(r"(://)[^/@\s]+@")
RACED = "another writer moved a ref first"


class GitProblem(HotswapFailure):
    """git could not be run or the remote could not be reached (environment error, exit 2)."""

    kind = "git"
    retryable = True


class PushRejected(HotswapFailure):
    """The remote refused the push for a reason other than a lost race (a hook, permissions)."""

    kind = "git-push"
    retryable = False


def redact(text: str) -> str:
    """Never print credentials that ride inside a remote URL."""
    return _SECRET_RE.sub(r"\1***@", text)


@dataclass(frozen=True)
class RefUpdate:
    ref: str
    new: str | None  # None: delete the ref
    expected: str | None  # None: the ref must not exist yet
    # Pushed on its own once the others went through, and its refusal reported, never holding them:
    # many remotes refuse to delete branches (receive.denyDeletes, a protection rule), and a stale
    # green ref left in place must not stop a game's rollouts.
    alone: bool = False


@dataclass(frozen=True)
class PushResult:
    ok: bool
    race: bool = False
    detail: str = ""


def utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class GitRepository:
    """A remote repository, seen through a local bare cache: its refs, its objects, one push."""

    def __init__(self, url: str, cache_root: Path) -> None:
        self.url = check_remote_url(url)
        key = hashlib.sha256(url.encode()).hexdigest()[:16]
        self.path = cache_root / f"{key}.git"
        if not self.path.exists():
            cache_root.mkdir(parents=True, exist_ok=True)
            pygit2.init_repository(str(self.path), bare=True)
        self.repo = pygit2.Repository(str(self.path))
        self._schema_memo: dict[str | None, SchemaSet] = {}
        self._refs: dict[str, str] | None = None

    # --- git CLI --------------------------------------------------------------------------------

    def _git(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(
                ["git", "--git-dir", str(self.path), *args],
                input=input,
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT,
                env=git_env(self.url),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitProblem(redact(f"git {args[0]}: {exc}")) from None
        if check and result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["failed"])[-1]
            raise GitProblem(redact(f"git {args[0]} {self.url}: {last}"))
        return result

    def fetch(self) -> None:
        self._forget()
        self._git(
            "fetch",
            "--quiet",
            "--prune",
            "--force",
            "--",
            self.url,
            "+refs/heads/*:refs/heads/*",
            "+refs/tags/*:refs/tags/*",
        )

    def push(self, updates: Sequence[RefUpdate]) -> PushResult:
        if not updates:
            return PushResult(True)
        # Nothing a server or `hotswap validate` would refuse is ever pushed (raises InvalidWrite).
        write_guard.refuse_invalid(self.repo, updates, self.schemas_for)
        args = ["push", "--atomic", "--porcelain"]
        args += [f"--force-with-lease={u.ref}:{u.expected or ''}" for u in updates]
        args += ["--", self.url, *(f"{u.new or ''}:{u.ref}" for u in updates)]
        result = self._git(*args, check=False)
        rows = [line.split("\t") for line in result.stdout.splitlines() if line[:1] in " +-*!=" and "\t" in line]
        rejected = [row for row in rows if row[0] == "!"]
        if result.returncode == 0 and not rejected:
            # The remote now holds exactly these: mirror them (with git's own update-ref, consistent with
            # what `git fetch` and ref packing do), so a read before the next fetch is not stale.
            lines = (f"update {u.ref} {u.new}\n" if u.new else f"delete {u.ref}\n" for u in updates)
            self._git("update-ref", "--stdin", input="".join(lines))
            self._forget()
            return PushResult(True)
        return self._refused(result, rows, rejected)

    def _refused(
        self, result: subprocess.CompletedProcess[str], rows: list[list[str]], rejected: list[list[str]]
    ) -> PushResult:
        """A push that did not go through: a lost race (read again), else why the remote said no."""
        reasons = " ".join(row[2] for row in rejected if len(row) > 2)
        if "stale info" in reasons or "fetch first" in reasons or "non-fast-forward" in reasons:
            return PushResult(False, race=True, detail=RACED)
        remote_lines = [
            ln.removeprefix("remote: ").strip() for ln in result.stderr.splitlines() if ln.startswith("remote:")
        ]
        detail = "; ".join(x for x in (reasons, *remote_lines) if x) or result.stderr.strip()
        if not rows and result.returncode != 0:
            raise GitProblem(redact(f"git push {self.url}: {result.stderr.strip()}"))
        raise PushRejected(redact(detail))

    # --- reading --------------------------------------------------------------------------------

    def _forget(self) -> None:
        """Refs moved (a fetch, our own push): what was read from them is stale."""
        self._refs = None

    def _all_refs(self) -> dict[str, str]:
        """Every ref of the cache, read once per fetch (only a fetch moves them)."""
        if self._refs is None:
            self._refs = {
                ref.name: str(ref.target) for ref in self.repo.references.iterator() if ref.type == ReferenceType.DIRECT
            }
        return self._refs

    def ref(self, name: str) -> str | None:
        return self._all_refs().get(name)

    def refs(self, prefix: str) -> dict[str, str]:
        return {name: target for name, target in self._all_refs().items() if name.startswith(prefix)}

    def commit(self, sha: str) -> pygit2.Commit:
        return self.repo[sha].peel(pygit2.Commit)

    def game_sources(self, commit: pygit2.Commit, game: str) -> list[SourceFile]:
        """The config files of one game at a commit, for validation."""
        return gitsource.tree_sources(self.repo, commit, DEFAULT_LIMITS, f"{CONFIG_ROOT}/{game}")

    def schemas_for(self, commit: pygit2.Commit) -> SchemaSet:
        """The commit's own schemas, built once per distinct schemas/ tree (checking them costs ~0.5 s)."""
        try:
            key: str | None = str(commit.tree[SCHEMA_DIR].id)
        except KeyError:
            key = None
        if key not in self._schema_memo:
            in_tree = gitsource.schemas_at(self.repo, commit)
            self._schema_memo[key] = (
                SchemaSet.from_mapping(in_tree) if in_tree else SchemaSet.from_dir(PACKAGED_SCHEMAS)
            )
        return self._schema_memo[key]

    def packaged_schemas(self) -> SchemaSet:
        """The schema set this version carries (the one a commit with no schemas/ is judged by)."""
        if None not in self._schema_memo:
            self._schema_memo[None] = SchemaSet.from_dir(PACKAGED_SCHEMAS)
        return self._schema_memo[None]

    # --- objects --------------------------------------------------------------------------------

    def _signature(self, now: datetime) -> pygit2.Signature:
        name = os.environ.get("HOTSWAP_GIT_NAME", "HotSwap promoter")
        email = os.environ.get("HOTSWAP_GIT_EMAIL", "hotswap@localhost")
        return pygit2.Signature(name, email, int(now.timestamp()), 0)

    def make_commit(self, tree: str, parents: Iterable[str], message: str, now: datetime) -> str:
        """A commit object in the cache (not on any ref until a push moves one to it)."""
        sig = self._signature(now)
        oid = self.repo.create_commit(
            None, sig, sig, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
        )
        return str(oid)

    _commit = make_commit  # the name the kill switch and older tests use

    def make_tag(self, name: str, target: str, message: str, now: datetime) -> str:
        """An annotated tag object of a commit, in the cache."""
        sig = self._signature(now)
        body = (
            f"object {target}\ntype commit\ntag {name}\ntagger {sig.name} <{sig.email}> {sig.time} +0000\n\n{message}\n"
        )
        return str(self.repo.odb.write(pygit2.GIT_OBJECT_TAG, body.encode()))
