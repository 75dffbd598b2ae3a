"""Tells GitHub what the promoter did, after it is written to git, and remembers in the ledger what
was told. Best-effort, by failure class:
- transient (GitHub down, rate limits, the network): the telling stops for this pass (a down or
  rate-limiting GitHub is not hammered, and the pass is not held up); the rest is told on a later
  pass, from the difference between the rollout and what the ledger says was told;
- permanent for one item (a 4xx such as 403 not permitted, 404, 422; a `hotswap/...` branch the
  promoter did not write): recorded under `failed` in the release's ledger record and never retried,
  and the telling goes on with the other items and releases; a status refused with its deployment;
- unforeseen (an unreadable ledger record, a bug): that game's internal error (an outcome of the
  pass), what was told before it stays recorded, and the other games are told."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from contract.trailers import APPROVAL, write_trailers
from promoter.decide import decide
from promoter.git import ledger, writer
from promoter.git.writer import MAX_ATTEMPTS, Plan
from promoter.github.branches import UnusableBranch, check_approval_branch, check_revert_branch
from promoter.github.notify import (
    EnsureDeployment,
    FindOrigin,
    NotifyState,
    Op,
    OpenApprovalPull,
    OpenRevertPull,
    PostComment,
    PostDeploymentStatus,
    RolloutView,
    SettleApprovalPull,
    finished,
    item,
    origin_pull,
    plan,
    refused,
)
from promoter.github.port import GitHubPort, GitHubUnavailable
from promoter.gitio import GitProblem, PushRejected, Remote, utc
from promoter.model import GameSnapshot

RECENT = timedelta(days=1)  # a rollout that ended before GitHub was set up is not announced late
ROUNDS = 4  # plan, tell, plan again (what was told changes what to say: a comment names a new PR)
ORIGIN_SEARCH = timedelta(minutes=30)  # GitHub's search may index a fresh merge late: asked each pass until then


@dataclass(frozen=True)
class Rejection:
    """An approval pull request closed unmerged while the rollout still waited for it."""

    game: str
    key: str
    pull: int


@dataclass(frozen=True)
class NotifyReport:
    told: int = 0
    pending: int = 0  # left for a later pass
    error: str | None = None
    rejections: tuple[Rejection, ...] = ()
    failed: tuple[str, ...] = ()  # items refused for good this pass ("game release item: why")
    error_kind: str = "github"  # what `error` came from: GitHub, or git (the cache, the ledger, a branch push)
    broken: tuple[tuple[str, str], ...] = ()  # (game, what it raised): that game's error, the others were told


class _Unavailable(Exception):
    pass


class _Broken(Exception):
    """Telling one rollout raised something unforeseen: args (why, the view as told so far)."""


class Notifier:
    def __init__(self, remote: Remote, github: GitHubPort, clock: Callable[[], datetime]) -> None:
        self.remote = remote
        self.github = github
        self.clock = clock

    def run(self, games: Sequence[str]) -> NotifyReport:
        now = self.clock()
        told = 0
        error: str | None = None
        error_kind = "github"
        rejections: list[Rejection] = []
        changed: dict[str, NotifyState] = {}
        pending = 0
        failed: list[str] = []
        broken: list[tuple[str, str]] = []
        for game in games:
            try:
                snap = self.remote.snapshot(game)
                states = self._states(game)
                views = self._views(snap, states, now)
            except GitProblem:
                raise  # the cache itself: nothing can be told this pass
            except Exception as exc:  # this game's alone (an unreadable ledger file, a bug): the others go on
                broken.append((game, f"{type(exc).__name__}: {exc}"[:500]))
                continue
            for before in views:
                if error is not None:
                    pending += _owed(before)
                    continue
                try:
                    view, count, rejected = self._tell(before)
                except _Unavailable as exc:
                    error, view, error_kind = exc.args
                    pending += _owed(view)
                    count, rejected = 0, []
                except _Broken as exc:  # what was told before it stays recorded
                    why, view = exc.args
                    broken.append((game, f"{view.release[:12]}: {why}"))
                    count, rejected = 0, []
                told += count
                rejections += rejected
                failed += [
                    f"{game} {view.release[:12]} {key}: {why}"
                    for key, why in sorted(view.state.failed.items())
                    if key not in before.state.failed
                ]
                state = replace(view.state, done=finished(view))
                if state != states.get(view.release, NotifyState(game, view.release)):
                    changed[ledger.github_path(game, view.release)] = state
        if changed:
            remembered = self._remember(changed, now)
            if remembered is not None:
                error, error_kind = remembered, "git"
        return NotifyReport(told, pending, error, tuple(rejections), tuple(failed), error_kind, tuple(broken))

    def _views(self, snap: GameSnapshot, states: dict[str, NotifyState], now: datetime) -> list[RolloutView]:
        wait = decide(snap, now).wait
        releases = [
            r.release
            for r in sorted(snap.records.values(), key=lambda r: r.events[0].at if r.events else now)
            if r.ended is None
            or (r.release in states and not states[r.release].done)
            or (r.release not in states and r.ended.at > now - RECENT and r.ended.type != "bootstrap")
        ]
        if wait is not None and wait.release not in releases:
            releases.append(wait.release)
        views = []
        for release in releases:
            info = snap.releases.get(release)
            policy = info.policy if info is not None else None
            record = snap.records.get(release)
            if policy is None and record is not None:
                policy = self.remote.release_info(snap.game, release).policy
            try:
                message = self.remote.commit(release).message
            except (KeyError, ValueError):
                message = ""
            state = states.get(release, NotifyState(snap.game, release))
            views.append(RolloutView(snap, release, record, policy, wait, state, origin_pull(message)))
        return views

    def _started(self, view: RolloutView) -> datetime:
        """When the release's rollout started (its first event), else when it reached main."""
        if view.record is not None and view.record.events:
            return view.record.events[0].at
        try:
            return utc(self.remote.commit(view.release).commit_time)
        except (KeyError, ValueError):
            return self.clock()

    def _tell(self, view: RolloutView) -> tuple[RolloutView, int, list[Rejection]]:
        told = 0
        rejected: list[Rejection] = []
        for _ in range(ROUNDS):
            ops = plan(view)
            if not ops:
                break
            for op in ops:
                if refused(view.state, op):  # refused earlier in this round, or the item it needs was
                    continue
                try:
                    state, rejection = self._do(view, op)
                except GitProblem as exc:  # git, not GitHub: counted as such
                    raise _Unavailable(str(exc), view, "git") from None
                except (GitHubUnavailable, UnusableBranch) as exc:
                    if exc.retryable:
                        raise _Unavailable(str(exc), view, "github") from None
                    view = replace(view, state=replace(view.state, failed={**view.state.failed, item(op): str(exc)}))
                    continue
                except Exception as exc:
                    raise _Broken(f"{item(op)}: {type(exc).__name__}: {exc}"[:500], view) from exc
                view = replace(view, state=state)
                told += 1
                if rejection is not None:
                    rejected.append(rejection)
            view = replace(view, check_pulls=False, search_origin=False)
        return view, told, rejected

    def _do(self, view: RolloutView, op: Op) -> tuple[NotifyState, Rejection | None]:
        state, gh = view.state, self.github
        if isinstance(op, FindOrigin):
            found = gh.pull_for_commit(op.release)
            if found is not None:
                return replace(state, origin=found, searched=True), None
            if self.clock() - self._started(view) < ORIGIN_SEARCH:
                return state, None  # not indexed yet, perhaps: asked again next pass
            minutes = int(ORIGIN_SEARCH.total_seconds() // 60)
            why = f"GitHub's search found no pull request for {op.release[:12]} within {minutes} minutes"
            return replace(state, searched=True, failed={**state.failed, "origin": why}), None
        if isinstance(op, PostComment):
            gh.upsert_comment(op.pull, op.marker, op.body)
            return replace(state, comment=op.digest), None
        if isinstance(op, EnsureDeployment):
            deployment = gh.deployment(view.release, op.environment, op.description)
            return replace(state, deployments={**state.deployments, op.region: deployment}), None
        if isinstance(op, PostDeploymentStatus):
            gh.deployment_status(state.deployments[op.region], op.state, op.description)
            return replace(state, sent={**state.sent, op.region: op.index + 1}), None
        if isinstance(op, OpenRevertPull):
            check_revert_branch(self.remote, op.branch, view.release)
            pull = gh.open_pull(op.branch, "main", op.title, op.body)
            return replace(state, revert_pull=pull.number), None
        if isinstance(op, OpenApprovalPull):
            message = f"{op.title}\n\n" + write_trailers([(APPROVAL, op.wait.key)])
            try:
                result = self.remote.branch_with_file(op.branch, op.path, op.content.encode(), message, self.clock())
                if result.race:  # pushed by someone else meanwhile: look at what is there
                    self.remote.fetch()
            except GitProblem as exc:
                raise GitProblem(f"approval branch {op.branch}: {exc}") from None
            except PushRejected as exc:  # a hook or a rule refused it: the same next time
                raise UnusableBranch(f"approval branch {op.branch}: the remote refused it: {exc}") from None
            check_approval_branch(self.remote, op.branch, op.path, op.content.encode(), op.wait.key)
            pull = gh.open_pull(op.branch, "main", op.title, op.body)
            return replace(state, approvals={**state.approvals, op.wait.key: pull.number}), None
        assert isinstance(op, SettleApprovalPull)
        pull = gh.pull(op.pull)
        if pull.state == "open":
            if op.current:
                return state, None
            gh.close_pull(op.pull, "HotSwap: the rollout no longer waits for this approval.")
            return replace(state, settled=state.settled | {op.key}), None
        settled = replace(state, settled=state.settled | {op.key})
        if not pull.merged and op.current:
            return settled, Rejection(view.snap.game, op.key, op.pull)
        return settled, None

    def _remember(self, changed: dict[str, NotifyState], now: datetime) -> str | None:
        """Write what was told to the ledger; on a lost race read again and merge (told stays told)."""
        first = True

        def plan() -> Plan[bool]:
            nonlocal changed, first
            if not first:  # a retry: another writer recorded meanwhile; keep what both told
                stored = {game: self._states(game) for game in {state.game for state in changed.values()}}
                changed = {
                    path: _merge(stored[state.game].get(state.release), state) for path, state in changed.items()
                }
            first = False
            files = {path: ledger.encode(state.as_json()) for path, state in changed.items()}
            return Plan([ledger.update(self.remote, files, "hotswap: told GitHub", now)], True)

        try:
            written = writer.write(self.remote, plan, MAX_ATTEMPTS)
        except (GitProblem, PushRejected) as exc:
            return f"recording what GitHub was told: {exc}"
        return "recording what GitHub was told lost the race; told again next pass" if written.lost else None

    def _states(self, game: str) -> dict[str, NotifyState]:
        """What the ledger says GitHub was told about each of a game's releases."""
        return {s.release: s for s in map(NotifyState.from_json, ledger.records(self.remote, ledger.GITHUB, game))}


def _owed(view: RolloutView) -> int:
    """What GitHub failed to take (`hotswap_github_owed`): neither what it refused for good (not
    planned any more) nor a search for the release's pull request that is still being retried."""
    return sum(1 for op in plan(view) if not isinstance(op, FindOrigin))


def _merge(stored: NotifyState | None, ours: NotifyState) -> NotifyState:
    if stored is None:
        return ours
    return replace(
        ours,
        comment=ours.comment or stored.comment,
        deployments={**stored.deployments, **ours.deployments},
        sent={k: max(stored.sent.get(k, 0), ours.sent.get(k, 0)) for k in {*stored.sent, *ours.sent}},
        revert_pull=ours.revert_pull or stored.revert_pull,
        approvals={**stored.approvals, **ours.approvals},
        settled=stored.settled | ours.settled,
        done=ours.done or stored.done,
        origin=ours.origin or stored.origin,
        searched=ours.searched or stored.searched,
        failed={**stored.failed, **ours.failed},
    )
