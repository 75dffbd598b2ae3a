"""The promoter's git adapter: the only promoter module that touches git.

Reads go to a local bare cache of the remote, fetched on every pass. Writes are built as objects
in the cache with pygit2 (no work tree), then sent in ONE `git push --atomic --porcelain
--force-with-lease=<ref>:<expected> ...`: every ref of a decision moves, or none does, and only if
no one else moved it since we read it. pygit2's own push is neither atomic nor checked against
concurrent writers, so it is never used for writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pygit2
from pygit2.enums import FileMode, ReferenceType

from contract.errors import HotswapFailure
from contract.gitcli import check_remote_url, git_env
from contract.instants import format_instant
from contract.refs import DEPLOY_PREFIX, LEDGER_REF, MAIN_REF, green_ref, parse_deploy_ref, release_tag, ring_ref
from contract.trailers import EVENT_STOP as EVENT_STOP_TRAILER
from contract.trailers import read_trailers as _trailers
from pipeline import gitsource
from pipeline.documents import CONFIG_ROOT, SourceFile
from pipeline.policy import RolloutPolicy, policy_from_spec
from pipeline.policy_in_force import policy_in
from pipeline.schemas import PACKAGED_SCHEMAS, SCHEMA_DIR, SchemaLoadError, SchemaSet
from pipeline.touched import touched_between
from pipeline.yamlstrict import DEFAULT_LIMITS, LoadLimits, YamlError, decode, parse
from promoter import release_strategy, ring_history, write_guard
from promoter.event_trees import recorded_stops, unknown_stops
from promoter.model import (
    APPROVALS_ROOT,
    Action,
    AppendEvents,
    Candidate,
    DeployInfo,
    DropGreen,
    Event,
    GameSnapshot,
    Quarantine,
    QuarantineRecord,
    ReleaseInfo,
    RevertRing,
    RevertRings,
    RolloutRecord,
    TagRelease,
    WriteGreen,
    WriteRings,
    rollout_id,
)
from promoter.ring_history import HISTORY_BOUND

GIT_TIMEOUT = 120
APPROVAL_LIMITS = LoadLimits(max_bytes=16 << 10, max_alias_nodes=0, max_depth=4)
_SECRET_RE = re.compile(r"(://)[^/@\s]+@")


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


@dataclass(frozen=True)
class PushResult:
    ok: bool
    race: bool = False
    detail: str = ""


def utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class Remote:
    """A remote repository, seen through a local bare cache."""

    def __init__(self, url: str, cache_root: Path) -> None:
        self.url = check_remote_url(url)
        key = hashlib.sha256(url.encode()).hexdigest()[:16]
        self.path = cache_root / f"{key}.git"
        if not self.path.exists():
            cache_root.mkdir(parents=True, exist_ok=True)
            pygit2.init_repository(str(self.path), bare=True)
        self.repo = pygit2.Repository(str(self.path))
        self._release_memo: dict[tuple[str, str], ReleaseInfo] = {}
        self._selection_memo: dict[tuple[str, str, str | None], ReleaseInfo] = {}
        self._schema_memo: dict[str | None, SchemaSet] = {}
        self._refs: dict[str, str] | None = None
        self._snapshots: dict[str, GameSnapshot] = {}

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
        reasons = " ".join(row[2] for row in rejected if len(row) > 2)
        if "stale info" in reasons or "fetch first" in reasons or "non-fast-forward" in reasons:
            return PushResult(False, race=True, detail="another writer moved a ref first")
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
        self._snapshots = {}

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

    def games(self) -> list[str]:
        names: set[str] = set()
        main = self.ref(MAIN_REF)
        if main is not None:
            try:
                configs = self.commit(main).tree[CONFIG_ROOT].peel(pygit2.Tree)
                names.update(e.name for e in configs if e.type == pygit2.GIT_OBJECT_TREE and e.name)
            except KeyError:
                pass
        for name in self.refs(DEPLOY_PREFIX):
            parsed = parse_deploy_ref(name)
            if parsed is not None and not parsed.green:
                names.add(parsed.game)
        return sorted(names)

    def snapshot(self, game: str) -> GameSnapshot:
        """A game as the cache holds it; read once per ref state (fetches and pushes reset it)."""
        if game not in self._snapshots:
            self._snapshots[game] = self._read_snapshot(game)
        return self._snapshots[game]

    def _read_snapshot(self, game: str) -> GameSnapshot:
        records, quarantine = self._ledger(game)
        candidate = self._candidate(game)
        rings = self._rings(game)
        wanted = {r.release for r in records.values() if r.ended is None}
        if candidate is not None:
            wanted.add(candidate.commit)
        releases = {sha: self.release_info(game, sha, rings) for sha in wanted}
        reverted = frozenset(r.release for r in records.values() if any(e.type == "main-revert" for e in r.events))
        approvals = self._approvals(game, wanted)
        green = self._green(game)
        return GameSnapshot(game, candidate, rings, records, quarantine, releases, reverted, approvals, green)

    def _approvals(self, game: str, releases: Iterable[str]) -> dict[tuple[str, str], str]:
        """Approval files on main (`approvals/<game>/<sha12>/<region>.yaml`) for these releases: what
        each approves. A file that is not a small, well-formed approval of that release is ignored."""
        main = self.ref(MAIN_REF)
        found: dict[tuple[str, str], str] = {}
        if main is None:
            return found
        tree = self.commit(main).tree
        for release in releases:
            try:
                folder = tree[f"{APPROVALS_ROOT}/{game}/{release[:12]}"].peel(pygit2.Tree)
            except (KeyError, ValueError):
                continue
            for entry in folder:
                name = entry.name or ""
                if entry.type != pygit2.GIT_OBJECT_BLOB or not name.endswith(".yaml"):
                    continue
                try:
                    data = entry.peel(pygit2.Blob).data
                    value = parse(decode(data, APPROVAL_LIMITS), APPROVAL_LIMITS).value
                except (YamlError, ValueError, RecursionError, pygit2.GitError):  # ValueError: int() limits
                    continue
                region = name.removesuffix(".yaml")
                if (
                    isinstance(value, dict)
                    and value.get("release") == release
                    and value.get("region") == region
                    and isinstance(value.get("wait"), str)
                ):
                    found[(release, region)] = value["wait"]
        return found

    def _game_tree(self, commit: pygit2.Commit, game: str) -> str | None:
        try:
            return str(commit.tree[f"{CONFIG_ROOT}/{game}"].id)
        except KeyError:
            return None

    def _candidate(self, game: str) -> Candidate | None:
        main = self.ref(MAIN_REF)
        if main is None:
            return None
        commit = self.commit(main)
        tree = self._game_tree(commit, game)
        if tree is None:
            return None
        for _ in range(HISTORY_BOUND):
            if not commit.parents:
                break
            parent = commit.parents[0]
            if self._game_tree(parent, game) != tree:
                break
            commit = parent
        return Candidate(str(commit.id), tree, commit.message.splitlines()[0] if commit.message else "")

    def _rings(self, game: str) -> dict[tuple[str, int], DeployInfo]:
        rings: dict[tuple[str, int], DeployInfo] = {}
        for name, sha in self.refs(f"{DEPLOY_PREFIX}{game}/").items():
            parsed = parse_deploy_ref(name)
            if parsed is not None and parsed.percent is not None:
                rings[(parsed.region, parsed.percent)] = self._deploy_info(sha)
        return rings

    def _green(self, game: str) -> dict[str, DeployInfo]:
        """Blue-green: each region's green ref. Kept apart from the rings: green is not a ring."""
        green: dict[str, DeployInfo] = {}
        for name, sha in self.refs(f"{DEPLOY_PREFIX}{game}/").items():
            parsed = parse_deploy_ref(name)
            if parsed is not None and parsed.green:
                green[parsed.region] = self._deploy_info(sha)
        return green

    def _deploy_info(self, sha: str) -> DeployInfo:
        return ring_history.deploy_info(self.commit(sha))

    def _ledger(self, game: str) -> tuple[dict[str, RolloutRecord], dict[str, QuarantineRecord]]:
        records: dict[str, RolloutRecord] = {}
        quarantine: dict[str, QuarantineRecord] = {}
        tip = self.ref(LEDGER_REF)
        if tip is None:
            return records, quarantine
        tree = self.commit(tip).tree
        for data in _json_files(tree, f"rollouts/{game}"):
            record = RolloutRecord.from_json(data)
            records[record.release] = record
        for data in _json_files(tree, f"quarantine/{game}"):
            entry = QuarantineRecord.from_json(data)
            quarantine[entry.release] = entry
        return records, quarantine

    def release_info(
        self, game: str, sha: str, rings: Mapping[tuple[str, int], DeployInfo] | None = None
    ) -> ReleaseInfo:
        """The release's policy and validity, judged by its own schemas (memoized: commits are
        immutable), with the strategy chosen by what it touches against what the game serves."""
        key = (game, sha)
        if key not in self._release_memo:
            self._release_memo[key] = self._read_release(game, sha)
        info = self._release_memo[key]
        if info.policy is None or not info.policy.regions:
            return release_strategy.selected(info, (), _trailers(self.commit(sha)), self._recorded_stop(game, sha))
        region = info.policy.regions[0].name
        rings = self.snapshot(game).rings if rings is None else rings
        tip = rings.get((region, 100))
        stopped = tip is not None and bool(tip.stops or tip.previous_stops)
        unknown = unknown_stops(self, game, sha) if stopped else {}
        served = release_strategy.served_before(rings, region, sha, unknown)
        return self._selection(game, sha, served, info)

    def _selection(self, game: str, sha: str, served: str | None, info: ReleaseInfo) -> ReleaseInfo:
        key = (game, sha, served)
        if key not in self._selection_memo:
            head = self.commit(sha).tree[f"{CONFIG_ROOT}/{game}"].peel(pygit2.Tree)
            base = self.repo[served].peel(pygit2.Tree) if served is not None else None
            touched = touched_between(self.repo, game, base, head)
            trailers = _trailers(self.commit(sha))
            stop = EVENT_STOP_TRAILER in trailers and self._recorded_stop(game, sha)
            in_force = self._policy_in_force(game, sha, base)
            chosen = release_strategy.selected(info, touched, trailers, stop, in_force)
            if base is not None and in_force is None:  # fail closed: an unbounded release never deploys
                chosen = replace(chosen, problems=(*chosen.problems, release_strategy.IN_FORCE_UNREADABLE))
            self._selection_memo[key] = chosen
        return self._selection_memo[key]

    def _policy_in_force(self, game: str, sha: str, served: pygit2.Tree | None) -> RolloutPolicy | None:
        """The policy of the tree ring-100 serves, judged by the release's schemas or else the packaged ones."""
        if served is None:
            return None
        sources = gitsource.folder_sources(self.repo, served, DEFAULT_LIMITS, f"{CONFIG_ROOT}/{game}")
        if None not in self._schema_memo:  # the key of a commit with no schemas/: the packaged set
            self._schema_memo[None] = SchemaSet.from_dir(PACKAGED_SCHEMAS)
        sets = [self.schemas_for(self.commit(sha)), self._schema_memo[None]]
        return policy_in(sources, game, sets, DEFAULT_LIMITS)

    def _recorded_stop(self, game: str, sha: str) -> bool:
        """The commit is the main edit of a kill switch the ledger records (`hotswap event stop`):
        written in the same push as its record, so a trailer typed into a merge proves nothing."""
        return any(record.commit == sha for record in recorded_stops(self, game).values())

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

    def _read_release(self, game: str, sha: str) -> ReleaseInfo:
        """Anything a loader raises on what main holds (an integer of 5,000 digits, a tree git
        cannot read) is this release's problem: the release is rejected, nothing else stops."""
        try:
            return self._validated_release(game, sha)
        except Exception as exc:  # a loader bug or limit must never stop the promoter
            problem = f"configs/{game}/ could not be read: {type(exc).__name__}: {str(exc)[:200]}"
            return ReleaseInfo(None, (problem,), problem)

    def _validated_release(self, game: str, sha: str) -> ReleaseInfo:
        commit = self.commit(sha)
        try:
            schemas = self.schemas_for(commit)
        except (gitsource.GitSourceError, SchemaLoadError) as exc:
            return ReleaseInfo(None, (f"schemas: {exc}",), f"schemas: {exc}")
        checked = write_guard.release_checked(self.repo, commit, game, schemas)  # shared with the push guard
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

    # --- writing --------------------------------------------------------------------------------

    def _signature(self, now: datetime) -> pygit2.Signature:
        name = os.environ.get("HOTSWAP_GIT_NAME", "HotSwap promoter")
        email = os.environ.get("HOTSWAP_GIT_EMAIL", "hotswap@localhost")
        return pygit2.Signature(name, email, int(now.timestamp()), 0)

    def _commit(self, tree: str, parents: Iterable[str], message: str, now: datetime) -> str:
        sig = self._signature(now)
        oid = self.repo.create_commit(
            None, sig, sig, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
        )
        return str(oid)

    def _write_ledger(self, files: Mapping[str, bytes], message: str, now: datetime) -> tuple[str, str | None]:
        tip = self.ref(LEDGER_REF)
        index = pygit2.Index()
        if tip is not None:
            index.read_tree(self.commit(tip).tree)
        for path, data in files.items():
            blob = self.repo.create_blob(data)
            index.add(pygit2.IndexEntry(path, blob, FileMode.BLOB))
        tree = index.write_tree(self.repo)
        return self._commit(str(tree), [tip] if tip else [], message, now), tip

    def ledger_json(self, folder: str) -> list[Any]:
        """The JSON files of one ledger folder (for records kept beside the rollouts')."""
        tip = self.ref(LEDGER_REF)
        return [] if tip is None else list(_json_files(self.commit(tip).tree, folder))

    def push_ledger(self, files: Mapping[str, Any], message: str, now: datetime) -> PushResult:
        """A ledger-only write of these JSON files, compare-and-swap like every other write."""
        new, tip = self._write_ledger({path: _json(data) for path, data in files.items()}, message, now)
        return self.push([RefUpdate(LEDGER_REF, new, tip)])

    def branch_with_file(self, branch: str, path: str, content: bytes, message: str, now: datetime) -> PushResult:
        """Push a new branch: main plus one file. An existing branch is left as it is."""
        main = self.ref(MAIN_REF)
        if main is None:
            raise GitProblem("the remote has no main branch")
        if self.ref(f"refs/heads/{branch}") is not None:
            return PushResult(True)
        index = pygit2.Index()
        index.read_tree(self.commit(main).tree)
        index.add(pygit2.IndexEntry(path, self.repo.create_blob(content), FileMode.BLOB))
        new = self._commit(str(index.write_tree(self.repo)), [main], message, now)
        return self.push([RefUpdate(f"refs/heads/{branch}", new, None)])

    def _tag(self, game: str, release: str, now: datetime) -> str:
        sig = self._signature(now)
        name = release_tag(game, release).removeprefix("refs/tags/")
        body = (
            f"object {release}\ntype commit\ntag {name}\n"
            f"tagger {sig.name} <{sig.email}> {sig.time} +0000\n\n"
            f"{game}: release {release[:12]} reached 100% of every region\n"
        )
        return str(self.repo.odb.write(pygit2.GIT_OBJECT_TAG, body.encode()))

    def apply(self, snap: GameSnapshot, actions: Sequence[Action], now: datetime) -> PushResult:
        """Every write of one decision (deploys or reverts, ledger, tag) in one atomic push."""
        return self.apply_many([(snap, actions)], now)

    def apply_many(self, decisions: Sequence[tuple[GameSnapshot, Sequence[Action]]], now: datetime) -> PushResult:
        """The writes of several games' decisions, one ledger commit, in one atomic push.

        A push costs the same for one ref as for a hundred (ref advertisement, connectivity
        check), so a pass sends all its games' writes together; a lost race re-reads them all.
        """
        updates: list[RefUpdate] = []
        ledger_files: dict[str, bytes] = {}
        for snap, actions in decisions:
            updates.extend(self._ring_and_tag_updates(snap, actions, now))
            ledger_files.update(_ledger_files(snap, actions))
        if ledger_files:
            games = sorted({snap.game for snap, actions in decisions if _ledger_files(snap, actions)})
            summary = ", ".join(sorted({p.split("/")[0] for p in ledger_files}))
            new, ledger_tip = self._write_ledger(ledger_files, f"hotswap: {', '.join(games)} ({summary})", now)
            updates.append(RefUpdate(LEDGER_REF, new, ledger_tip))
        return self.push(updates)

    def _ring_and_tag_updates(self, snap: GameSnapshot, actions: Sequence[Action], now: datetime) -> list[RefUpdate]:
        updates: list[RefUpdate] = []
        for action in actions:
            if isinstance(action, WriteRings):
                at = f"Hotswap-Switch-At: {format_instant(action.switch_at)}\n" if action.switch_at else ""
                tree = action.tree  # recorded stops applied already (promoter/stopped_trees.py)
                for region, percent in action.rings:
                    tip = snap.rings.get((region, percent))
                    message = (
                        f"hotswap: {action.game} {action.release[:12]} to {region} ring-{percent}\n\n"
                        f"Hotswap-Release: {action.release}\n"
                        f"Hotswap-Stage: {action.stage}\n"
                        f"Hotswap-Rollout: {rollout_id(action.game, action.release)}\n{at}"
                    )
                    new = self._commit(tree, [tip.commit] if tip else [], message, now)
                    updates.append(RefUpdate(ring_ref(action.game, region, percent), new, tip.commit if tip else None))
            elif isinstance(action, WriteGreen):
                tip = snap.green.get(action.region)
                message = (
                    f"hotswap: {action.game} {action.release[:12]} to {action.region} green\n\n"
                    f"Hotswap-Release: {action.release}\n"
                    f"Hotswap-Stage: {action.region}/green\n"
                    f"Hotswap-Rollout: {rollout_id(action.game, action.release)}\n"
                )
                # The same tree a switch writes to the rings later, so servers that prefetched green hold it.
                new = self._commit(action.tree, [tip.commit] if tip else [], message, now)
                updates.append(RefUpdate(green_ref(action.game, action.region), new, tip.commit if tip else None))
            elif isinstance(action, DropGreen):  # deleted only if no one moved it since it was read
                updates.append(RefUpdate(green_ref(action.game, action.region), None, snap.green[action.region].commit))
            elif isinstance(action, RevertRings):
                for ring in action.rings:
                    tip = snap.rings[(ring.region, ring.percent)]
                    message = _revert_message(action, ring, f"ring-{ring.percent}", str(ring.percent))
                    new = self._commit(ring.tree, [tip.commit], message, now)
                    updates.append(RefUpdate(ring_ref(action.game, ring.region, ring.percent), new, tip.commit))
                for ring in action.green:
                    tip = snap.green[ring.region]
                    new = self._commit(ring.tree, [tip.commit], _revert_message(action, ring, "green", "green"), now)
                    updates.append(RefUpdate(green_ref(action.game, ring.region), new, tip.commit))
            elif isinstance(action, TagRelease):
                tag = self._tag(action.game, action.release, now)
                updates.append(RefUpdate(release_tag(action.game, action.release), tag, None))
        return updates

    def propose(self, base: pygit2.Commit, path: str, content: bytes, by: str, now: datetime) -> tuple[str, str]:
        """A commit on top of `base` replacing one config file, for a branch `hotswap/config/...`."""
        index = pygit2.Index()
        index.read_tree(base.tree)
        index.add(pygit2.IndexEntry(path, self.repo.create_blob(content), FileMode.BLOB))
        tree = index.write_tree(self.repo)
        game, name = path.split("/")[1], path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        branch = f"refs/heads/hotswap/config/{game}-{name}-{hashlib.sha256(content).hexdigest()[:12]}"
        message = f"{game}: update {path}\n\nProposed-By: {' '.join(by.split())}\n"
        return branch, self._commit(str(tree), [str(base.id)], message, now)

    def revert_main(self, release: str, reason: str, now: datetime) -> tuple[str, str]:
        """Revert the release commit on main. Returns (outcome, detail); never forces."""
        outcome, detail, main = self._revert_commit(release, reason, now)
        if outcome != "done":
            return outcome, detail
        result = self.push([RefUpdate(MAIN_REF, detail, main)])
        if result.race:
            return "pending", "main moved while reverting; retried on the next pass"
        return "done", detail

    def propose_revert(self, release: str, reason: str, now: datetime) -> tuple[str, str]:
        """The revert of the release on a branch `hotswap/revert-<sha12>`, for a pull request (main
        may be protected). Returns (outcome, detail): ("proposed", branch) when the branch is there."""
        outcome, detail, _ = self._revert_commit(release, reason, now)
        if outcome != "done":
            return outcome, detail
        branch = revert_branch(release)
        if self.ref(branch) is None:
            result = self.push([RefUpdate(branch, detail, None)])
            if result.race:  # someone (an earlier, interrupted pass) pushed it first: it is there
                self.fetch()
        return "proposed", branch.removeprefix("refs/heads/")

    def _revert_commit(self, release: str, reason: str, now: datetime) -> tuple[str, str, str]:
        """(done, new commit, main) or (conflict|failed, why, main)."""
        main = self.ref(MAIN_REF)
        if main is None:
            return "failed", "the remote has no main branch", ""
        bad, ours = self.commit(release), self.commit(main)
        if len(bad.parents) > 2 or not bad.parents:
            return "conflict", "the release is an octopus merge or a root commit; revert it by hand", main
        # A merged pull request is a merge commit: undo what it brought to main (its first parent).
        index = self.repo.revert_commit(bad, ours, 1 if len(bad.parents) == 2 else 0)
        if index.conflicts is not None:
            # each conflict is (ancestor, ours, theirs); any of them may be missing
            paths = sorted({entry.path for sides in index.conflicts for entry in sides if entry is not None})
            return (
                "conflict",
                f"reverting {release[:12]} conflicts with later commits on main ({', '.join(paths)})",
                main,
            )
        tree = index.write_tree(self.repo)
        subject = bad.message.splitlines()[0] if bad.message else release[:12]
        message = (
            f'Revert "{subject}"\n\nThis reverts commit {release}.\n\n'
            f"Hotswap-Rollback-Of: {release}\nHotswap-Reason: {' '.join(reason.split())}\n"
        )
        return "done", self._commit(str(tree), [main], message, now), main


def invalid_ref_names(actions: Sequence[Action]) -> list[str]:
    """The refs these actions would write whose names git refuses (a region `NA..WEST`, `EU WEST`,
    `A~1`: a schema of the repository's own may allow it). Checked before a push is built, so one
    game's bad name is that game's error and the others' writes still go."""
    refs: list[str] = []
    for action in actions:
        if isinstance(action, WriteRings):
            refs += [ring_ref(action.game, region, percent) for region, percent in action.rings]
        elif isinstance(action, WriteGreen | DropGreen):
            refs.append(green_ref(action.game, action.region))
        elif isinstance(action, RevertRings):
            refs += [ring_ref(action.game, ring.region, ring.percent) for ring in action.rings]
            refs += [green_ref(action.game, ring.region) for ring in action.green]
        elif isinstance(action, TagRelease):
            refs.append(release_tag(action.game, action.release))
    return [ref for ref in refs if not pygit2.reference_is_valid_name(ref)]


def _revert_message(action: RevertRings, ring: RevertRing, ref: str, stage: str) -> str:
    """A revert commit's message: back to `ring.release`; a switch-back names its instant."""
    reason = " ".join(action.reason.split())
    at = f"Hotswap-Switch-At: {format_instant(action.switch_at)}\n" if action.switch_at else ""
    return (
        f"hotswap: roll back {action.game} {action.bad_release[:12]} on {ring.region} {ref}\n\n"
        f"Hotswap-Release: {ring.release or ''}\n"
        f"Hotswap-Stage: {ring.region}/{stage}\n"
        f"Hotswap-Rollout: {rollout_id(action.game, action.bad_release)}\n"
        f"Hotswap-Rollback-Of: {action.bad_release}\n"
        f"Hotswap-Reason: {reason}\n{at}"
    )


def revert_branch(release: str) -> str:
    return f"refs/heads/hotswap/revert-{release[:12]}"


def _json_files(tree: pygit2.Tree, folder: str) -> Iterable[Any]:
    try:
        entries = tree[folder].peel(pygit2.Tree)
    except KeyError:
        return
    for entry in entries:
        yield json.loads(entry.peel(pygit2.Blob).data)


def _ledger_files(snap: GameSnapshot, actions: Sequence[Action]) -> dict[str, bytes]:
    """The ledger files one decision writes: its rollout record with the new events, quarantines."""
    files: dict[str, bytes] = {}
    records = dict(snap.records)
    for action in actions:
        if isinstance(action, AppendEvents):
            record = records.get(action.release) or RolloutRecord(action.game, action.release, action.tree)
            records[action.release] = record = record.appended(*action.events)
            files[f"rollouts/{action.game}/{action.release}.json"] = _json(record.as_json())
        elif isinstance(action, Quarantine):
            q = action.record
            files[f"quarantine/{q.game}/{q.release}.json"] = _json(q.as_json())
    return files


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def record_main_revert(
    remote: Remote, snap: GameSnapshot, release: str, outcome: str, detail: str, now: datetime
) -> PushResult:
    """Note the outcome of the revert on main in the rollout's record (a ledger-only push)."""
    record = snap.records.get(release)
    tree = record.tree if record else ""
    event = Event(now, "main-revert", outcome=outcome, reason=detail)
    return remote.apply(snap, (AppendEvents(snap.game, release, tree, (event,)),), now)
