"""Every tree a push writes is validated first; a tree that fails is never pushed.

- A ring or green ref (`refs/heads/deploy/<game>/<region>/ring-N|green`) carries the game's folder
  as its root tree: it is validated exactly as a server will validate it (pipeline.deployed: the
  agent's reading of the tree, the packaged schema set).
- main and the branches that become main (`refs/heads/hotswap/...`: proposals, reverts, event stops)
  are validated as `hotswap validate` does (the commit's own schemas, errors only), game folder by
  game folder, for the folders the commit changes against its first parent. A folder's errors that
  its parent already had are not this write's: an unrelated broken file on main never blocks a revert
  or a kill switch, while a write that brings a new error is refused.
- The ledger and tags hold records, not configs: they are not validated.

Validation results are kept process-wide by (game, tree id, schema set id), and the promoter's
reading of a release goes through the same memo (`release_checked`): the tree a release brings was
validated when it was read, so checking it again before it is pushed to a ring costs a dict lookup.
The schema set id is the git id of the `schemas/` folder (the packaged folder's id computed the same
way), so a repository that keeps the packaged schemas shares the entries of both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pygit2

from contract.errors import Refused
from contract.refs import LEDGER_REF, MAIN_REF, parse_deploy_ref
from pipeline import deployed, gitsource
from pipeline.documents import CONFIG_ROOT, SourceFile, load
from pipeline.findings import Finding
from pipeline.schemas import SCHEMA_DIR, SchemaLoadError, SchemaSet
from pipeline.validate import ValidationResult, validate
from pipeline.yamlstrict import DEFAULT_LIMITS

Validator = Callable[[Sequence[SourceFile], SchemaSet], ValidationResult]
SchemasOf = Callable[[pygit2.Commit], SchemaSet]
MAIN_LIKE_PREFIX = "refs/heads/hotswap/"  # proposal, revert and event-stop branches become main
MEMO_SIZE = 256  # game trees kept; a pass touches one or two per game


class Update(Protocol):
    """What the guard reads of a ref update (gitio.RefUpdate)."""

    @property
    def ref(self) -> str: ...

    @property
    def new(self) -> str | None: ...  # None deletes the ref: nothing is written


class InvalidWrite(Refused):
    """A tree about to be pushed fails validation: nothing was pushed. Exit 1, HTTP 409."""

    kind = "invalid-write"

    def __init__(self, findings: Mapping[str, tuple[Finding, ...]]) -> None:
        self.findings = dict(findings)
        ref, found = next(iter(self.findings.items()))
        more = sum(len(f) for f in self.findings.values()) - 1
        tail = f" (and {more} more error(s))" if more else ""
        super().__init__(f"refused to push {ref}: {describe(found[0])}{tail}; nothing was pushed")


def describe(finding: Finding) -> str:
    message = " ".join(finding.message.split())  # one line, whatever the finding holds
    return f"{finding.file}:{finding.line}:{finding.column}: {message} [{finding.rule}]"


@dataclass(frozen=True)
class Checked:
    """One game folder validated: the result, and the files the loader raised on instead of reporting."""

    result: ValidationResult
    unreadable: tuple[Finding, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return self.unreadable + tuple(f for f in self.result.findings if f.severity == "error")


_MEMO: dict[tuple[str, str, str], Checked] = {}
_LOCK = threading.Lock()


def forget() -> None:
    """Empty the memo (a test that counts validations starts from nothing)."""
    with _LOCK:
        _MEMO.clear()


def checked(
    key: tuple[str, str, str],
    read: Callable[[], list[SourceFile]],
    schemas: SchemaSet,
    validator: Validator = validate,
) -> Checked:
    """The memoised validation of the sources `read` gives; `key` is (game, tree id, schema set id)."""
    with _LOCK:
        hit = _MEMO.get(key)
    if hit is not None:
        return hit
    sources = read()
    try:
        found = Checked(validator(sources, schemas))
    except Exception:
        # A loader raised instead of reporting a finding: each file it cannot read is a finding,
        # the others are validated (a loader bug must never let a tree through nor stop the promoter).
        readable, unreadable = _readable(sources)
        found = Checked(validator(readable, schemas), unreadable)
    with _LOCK:
        while len(_MEMO) >= MEMO_SIZE:
            del _MEMO[next(iter(_MEMO))]
        _MEMO[key] = found
    return found


def _readable(sources: list[SourceFile]) -> tuple[list[SourceFile], tuple[Finding, ...]]:
    readable: list[SourceFile] = []
    problems: list[Finding] = []
    for source in sources:
        try:
            load(source, DEFAULT_LIMITS)
        except Exception as exc:
            why = f"could not be read: {type(exc).__name__}: {str(exc)[:200]}"
            problems.append(Finding(source.path, 1, 1, "load", why))
        else:
            readable.append(source)
    return readable, tuple(problems)


def schemas_key(commit: pygit2.Commit) -> str:
    """The id of the schema set a commit is validated with: its `schemas/` folder, else the packaged one."""
    try:
        return str(commit.tree[SCHEMA_DIR].id)
    except KeyError:
        return deployed.packaged_schemas_key()


def _folder(commit: pygit2.Commit, path: str) -> str | None:
    try:
        entry = commit.tree[path]
    except KeyError:
        return None
    return str(entry.id) if entry.type == pygit2.GIT_OBJECT_TREE else None


def release_checked(
    repo: pygit2.Repository, commit: pygit2.Commit, game: str, schemas: SchemaSet, validator: Validator = validate
) -> Checked:
    """`configs/<game>/` of a main commit, validated as `hotswap validate` does (the release reading's check)."""
    key = (game, _folder(commit, f"{CONFIG_ROOT}/{game}") or "", schemas_key(commit))
    return checked(
        key, lambda: gitsource.tree_sources(repo, commit, DEFAULT_LIMITS, f"{CONFIG_ROOT}/{game}"), schemas, validator
    )


def deploy_errors(
    repo: pygit2.Repository, game: str, commit: pygit2.Commit, validator: Validator = validate
) -> tuple[Finding, ...]:
    """A deploy commit's errors as a server will find them."""
    tree = commit.tree

    def read() -> list[SourceFile]:
        files, problems = deployed.tree_files(repo, tree)
        return deployed.sources(game, files, problems)

    try:
        key = (game, str(tree.id), deployed.packaged_schemas_key())
        return checked(key, read, deployed.packaged_schemas(), validator).errors
    except deployed.UnreadableTree as exc:  # a server refuses it as malformed
        return (Finding(f"{CONFIG_ROOT}/{game}/", 1, 1, "malformed-tree", str(exc)),)


def main_errors(
    repo: pygit2.Repository, commit: pygit2.Commit, schemas_of: SchemasOf, validator: Validator = validate
) -> tuple[Finding, ...]:
    """The errors a main-bound commit brings: in the game folders it changes, not already its parent's."""
    parent = commit.parents[0] if commit.parents else None
    same_schemas = parent is not None and schemas_key(parent) == schemas_key(commit)
    try:
        schemas = schemas_of(commit)
    except (gitsource.GitSourceError, SchemaLoadError) as exc:
        # Unusable schemas the parent had already are not this write's: nothing can be judged with them.
        return () if same_schemas else (Finding(f"{SCHEMA_DIR}/", 1, 1, "schemas", str(exc)),)
    errors: list[Finding] = []
    for game, tree in sorted(_games(commit).items()):
        before = _games(parent).get(game) if parent is not None else None
        if same_schemas and before == tree:
            continue  # this write leaves the folder as it was
        found = release_checked(repo, commit, game, schemas, validator).errors
        if found and parent is not None and before is not None:
            had = {_sameness(f) for f in _parent_errors(repo, parent, game, schemas_of, validator)}
            found = tuple(f for f in found if _sameness(f) not in had)
        errors.extend(found)
    return tuple(errors)


def _parent_errors(
    repo: pygit2.Repository, parent: pygit2.Commit, game: str, schemas_of: SchemasOf, validator: Validator
) -> tuple[Finding, ...]:
    try:
        schemas = schemas_of(parent)
    except (gitsource.GitSourceError, SchemaLoadError):
        return ()
    return release_checked(repo, parent, game, schemas, validator).errors


def _sameness(finding: Finding) -> tuple[str, str, str, str]:
    """An error the parent had too: same file, rule, place in the document and message (lines move)."""
    return finding.file, finding.rule, finding.path, finding.message


def _games(commit: pygit2.Commit) -> dict[str, str]:
    try:
        configs = commit.tree[CONFIG_ROOT].peel(pygit2.Tree)
    except (KeyError, ValueError):
        return {}
    return {e.name: str(e.id) for e in configs if e.type == pygit2.GIT_OBJECT_TREE and e.name}


def deploy_game(ref: str) -> str | None:
    """The game of a ring or green ref; None for any other ref."""
    parsed = parse_deploy_ref(ref)
    return parsed.game if parsed is not None else None


def findings(
    repo: pygit2.Repository, updates: Sequence[Update], schemas_of: SchemasOf, validator: Validator = validate
) -> dict[str, tuple[Finding, ...]]:
    """The errors of every tree these updates write, by ref (only the refs with errors)."""
    out: dict[str, tuple[Finding, ...]] = {}
    for update in updates:
        game = deploy_game(update.ref)
        main_like = update.ref == MAIN_REF or update.ref.startswith(MAIN_LIKE_PREFIX)
        if update.new is None or update.ref == LEDGER_REF or (game is None and not main_like):
            continue
        try:
            commit = repo[update.new].peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError):
            continue  # not a commit here: git refuses the push itself
        found = (
            deploy_errors(repo, game, commit, validator) if game else main_errors(repo, commit, schemas_of, validator)
        )
        if found:
            out[update.ref] = found
    return out


def refuse_invalid(repo: pygit2.Repository, updates: Sequence[Update], schemas_of: SchemasOf) -> None:
    """Raise InvalidWrite, before anything is pushed, when a tree these updates write fails."""
    found = findings(repo, updates, schemas_of)
    if found:
        raise InvalidWrite(found)


def invalid_findings(exc: InvalidWrite) -> list[dict[str, object]]:
    """The refused write's findings for an API answer: each with the ref it was for."""
    return [{"ref": ref, **f.as_dict()} for ref, found in exc.findings.items() for f in found]
