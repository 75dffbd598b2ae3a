"""The rollout plan of a change: which games it touches and how each will roll out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pygit2

from contract.instants import parse_instant
from contract.trailers import NOT_BEFORE, read_trailers
from pipeline import gitsource
from pipeline.documents import CONFIG_ROOT
from pipeline.policy import RolloutPolicy, policy_from_spec
from pipeline.policy_bound import choose
from pipeline.policy_in_force import policy_in
from pipeline.schemas import SchemaSet
from pipeline.strategy_rules import FreezeWindow, windows_crossed
from pipeline.touched import touched_between
from pipeline.validate import validate
from pipeline.yamlstrict import LoadLimits

RELEASE_TAG_PREFIX = "refs/tags/release/"


@dataclass(frozen=True)
class GamePlan:
    game: str
    base: str | None  # commit the change is measured from; None: the game is new
    base_label: str
    files: tuple[str, ...]  # changed config files of the game
    policy: RolloutPolicy | None  # the effective policy: the strategy chosen by what the change touches
    problem: str | None = None
    strategy_why: str = ""  # pipeline.strategy_select: why the policy has its strategy
    freezes: tuple[FreezeWindow, ...] = ()  # windows in force or starting within the minimum duration
    not_before: datetime | None = None  # the later of spec.notBefore and head's Hotswap-Not-Before
    policy_bound: str = ""  # pipeline.policy_bound: what the policy in force (the base's) kept


@dataclass(frozen=True)
class Plan:
    head: str
    games: tuple[GamePlan, ...]

    @property
    def ok(self) -> bool:
        return all(g.problem is None for g in self.games)


def _subtree_id(commit: pygit2.Commit | None, path: str) -> str | None:
    if commit is None:
        return None
    try:
        return str(commit.tree[path].id)
    except KeyError:
        return None


def last_release(repo: pygit2.Repository, game: str, head: pygit2.Commit) -> tuple[pygit2.Commit, str] | None:
    """The newest `release/<game>/*` tag reachable from head: what the game last reached 100% with."""
    best: tuple[pygit2.Commit, str] | None = None
    prefix = f"{RELEASE_TAG_PREFIX}{game}/"
    for ref in repo.references:
        if not ref.startswith(prefix):
            continue
        try:
            commit = repo.revparse_single(ref).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError):
            continue
        if commit.id != head.id and not repo.descendant_of(head.id, commit.id):
            continue
        if best is None or commit.commit_time > best[0].commit_time:
            best = (commit, ref.removeprefix("refs/tags/"))
    return best


def _games(commit: pygit2.Commit | None) -> set[str]:
    if commit is None:
        return set()
    try:
        tree = commit.tree[CONFIG_ROOT].peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.InvalidSpecError):
        return set()
    return {e.name for e in tree if e.type == pygit2.GIT_OBJECT_TREE and e.name}


def plan_revisions(
    repo: pygit2.Repository,
    head: pygit2.Commit,
    schemas: SchemaSet,
    limits: LoadLimits,
    base: pygit2.Commit | None = None,
    only_game: str | None = None,
    now: datetime | None = None,
) -> Plan:
    parent = head.parents[0] if head.parents else None
    games = _games(head) | _games(base if base is not None else parent)
    plans = []
    for game in sorted(games):
        if only_game and game != only_game:
            continue
        game_base, label = base, "--base"
        if game_base is None:
            release = last_release(repo, game, head)
            game_base, label = release if release else (parent, "main~1")
        path = f"{CONFIG_ROOT}/{game}"
        if _subtree_id(game_base, path) == _subtree_id(head, path):
            continue
        changed = (
            gitsource.changes_between(repo, game_base, head)
            if game_base is not None
            else [gitsource.Change("added", None, s.path) for s in gitsource.tree_sources(repo, head, limits, path)]
        )
        files = sorted({p for c in changed for p in (c.old_path, c.new_path) if p and p.startswith(path + "/")})
        planned = _game_plan(repo, head, game, game_base, label, tuple(files), schemas, limits)
        in_force = _in_force(repo, game_base, game, schemas, limits)
        plans.append(_scheduled(repo, head, game, game_base, planned, now or datetime.now(UTC), in_force))
    return Plan(str(head.id), tuple(plans))


def _game_plan(
    repo: pygit2.Repository,
    head: pygit2.Commit,
    game: str,
    base: pygit2.Commit | None,
    label: str,
    files: tuple[str, ...],
    schemas: SchemaSet,
    limits: LoadLimits,
) -> GamePlan:
    base_id = str(base.id) if base is not None else None
    sources = gitsource.tree_sources(repo, head, limits, f"{CONFIG_ROOT}/{game}")
    if not sources:
        return GamePlan(game, base_id, label, files, None, "the game was removed; nothing to roll out")
    result = validate(sources, schemas, limits)
    policies = [doc for doc in result.parsed if doc.kind == "RolloutPolicy"]
    if len(policies) != 1:
        return GamePlan(game, base_id, label, files, None, f"expected one RolloutPolicy, found {len(policies)}")
    policy_doc = policies[0]
    problems = [f for f in result.findings if f.file == policy_doc.file and f.severity == "error"]
    if problems:
        first = problems[0]
        return GamePlan(
            game,
            base_id,
            label,
            files,
            None,
            f"RolloutPolicy is invalid: {first.file}:{first.line}:{first.column}: {first.message}",
        )
    invalid = sorted({f.file for f in result.findings if f.severity == "error"})
    problem = (
        f"{len(invalid)} invalid file(s), the release would be rejected: {', '.join(invalid)}" if invalid else None
    )
    return GamePlan(game, base_id, label, files, policy_from_spec(game, policy_doc.spec), problem)


def _tree(commit: pygit2.Commit | None, path: str) -> pygit2.Tree | None:
    try:
        return commit.tree[path].peel(pygit2.Tree) if commit is not None else None
    except (KeyError, ValueError):
        return None


def _in_force(
    repo: pygit2.Repository, base: pygit2.Commit | None, game: str, schemas: SchemaSet, limits: LoadLimits
) -> RolloutPolicy | None:
    """The base's policy: what the game serves when the change is measured from its last release."""
    if base is None:
        return None
    sources = gitsource.tree_sources(repo, base, limits, f"{CONFIG_ROOT}/{game}")
    return policy_in(sources, game, [schemas], limits) if sources else None


def _scheduled(
    repo: pygit2.Repository,
    head: pygit2.Commit,
    game: str,
    base: pygit2.Commit | None,
    plan: GamePlan,
    now: datetime,
    in_force: RolloutPolicy | None = None,
) -> GamePlan:
    """The strategy the change rolls out with (by what it touches, bounded by the policy in force),
    the freeze windows its minimum duration would cross and when it may start."""
    head_tree = _tree(head, f"{CONFIG_ROOT}/{game}")
    if plan.policy is None or head_tree is None:
        return plan
    touched = touched_between(repo, game, _tree(base, f"{CONFIG_ROOT}/{game}"), head_tree)
    chosen = choose(plan.policy, touched, in_force)
    policy = chosen.policy
    trailer = parse_instant(read_trailers(head).get(NOT_BEFORE))
    starts = max((t for t in (policy.not_before, trailer) if t is not None), default=None)
    begin = max(now, starts) if starts is not None else now
    freezes = windows_crossed(policy.freeze, begin, policy.minimum_duration)
    not_before = starts if starts is not None and starts > now else None
    return replace(
        plan, policy=policy, strategy_why=chosen.why, freezes=freezes, not_before=not_before, policy_bound=chosen.bound
    )
