"""One reconcile pass: fetch, read each game, decide, evaluate when due, write, and on a lost race
read again and decide again. Holds no state between passes: git is the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from contract.errors import HotswapFailure
from contract.refs import parse_deploy_ref
from promoter.decide import DecisionError, decide, decide_reject
from promoter.evaluate import evaluate
from promoter.git import writer, writes
from promoter.git.writer import MAX_ATTEMPTS, Plan, Written
from promoter.github.notifier import Notifier, NotifyReport, Rejection
from promoter.gitio import PushRejected, Remote, invalid_ref_names
from promoter.metrics import MetricsSource
from promoter.model import AppendEvents, CheckResult, Decision, Event, GameSnapshot, RevertMain
from promoter.stopped_trees import with_recorded_stops
from promoter.write_guard import InvalidWrite

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    # Full precision: queries are evaluated at this instant, and truncating it would read samples up
    # to a second old.
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    game: str
    summary: str
    checks: tuple[CheckResult, ...] = ()
    wrote: bool = False
    error: str | None = None
    actions: tuple[str, ...] = ()  # kinds of what was written: WriteRings, RevertRings, ...
    kind: str | None = None  # what failed, when error is set: "decision", "git", "prometheus", ...


MAIN_REVERT_REFUSED = "main revert refused: open a pull request or revert by hand"
MAIN_REVERT_INVALID = "main revert not pushed, the reverted tree fails validation: revert by hand"


def failed(game: str, exc: Exception) -> Outcome:
    """One game's pass raised: that game's error, counted by kind; the other games go on."""
    kind = exc.kind if isinstance(exc, HotswapFailure) else "internal"
    message = str(exc) if isinstance(exc, HotswapFailure) else f"{type(exc).__name__}: {exc}"
    message = message[:500]
    return Outcome(
        game, f"{kind} error, nothing more done for this game this pass: {message}", error=message, kind=kind
    )


def checked(decision: Decision) -> Decision:
    """A decision whose writes name refs git refuses is that game's error, before any push is built."""
    bad = invalid_ref_names(decision.actions)
    if not bad or decision.error:
        return decision
    error = f"git refuses the ref name {bad[0]!r}: rename the region in the RolloutPolicy"
    return replace(decision, summary=f"nothing written: {error}", actions=(), evaluate=None, error=error)


RevertMode = Literal["push", "pull", "off"]  # revert main directly, by pull request, or not at all


def apply_with_retry(
    remote: Remote,
    game: str,
    make: Callable[[GameSnapshot, datetime], Decision],
    clock: Clock = utc_now,
    revert_main: RevertMode = "push",
) -> Outcome:
    """Decide and write through the one write path; a lost compare-and-swap is no error: read
    again, decide again."""
    try:
        written = _write(remote, game, make, clock)
    except PushRejected as exc:
        return Outcome(game, f"the remote refused the write, nothing changed: {exc}", error=str(exc), kind=exc.kind)
    decision = written.answer
    if decision is None:
        return Outcome(game, f"lost the race {MAX_ATTEMPTS} times in a row; the next pass decides again")
    if decision.error:
        return _refused(game, decision)
    if not decision.actions:
        return Outcome(game, decision.summary)
    return with_skipped(_written(remote, game, decision, clock, revert_main), written.skipped)


def _write(
    remote: Remote, game: str, make: Callable[[GameSnapshot, datetime], Decision], clock: Clock
) -> Written[Decision]:
    """The decision that was written (or had nothing to write), None when every race was lost.
    Raises PushRejected (or InvalidWrite) when the remote or the write guard refuses it."""

    def plan() -> Plan[Decision]:
        snap = remote.snapshot(game)
        now = clock()
        decision = with_recorded_stops(remote, checked(make(snap, now)))
        if decision.error or not decision.actions:
            return Plan((), decision)
        return Plan(writes.decision_updates(remote, [(snap, decision.actions)], now), decision)

    return writer.write(remote, plan, MAX_ATTEMPTS)


def with_skipped(outcome: Outcome, skipped: Sequence[tuple[str, str]]) -> Outcome:
    """`outcome` saying which of its game's refs pushed alone did not move (a green ref the remote
    would not delete: its green pool stays where it is, and status shows those servers as drift)."""
    notes = [
        f"{ref.removeprefix('refs/heads/')} not deleted ({why}); its servers stay on it until it is"
        for ref, why in skipped
        if (parsed := parse_deploy_ref(ref)) is not None and parsed.game == outcome.game
    ]
    return replace(outcome, summary="; ".join([outcome.summary, *notes])) if notes else outcome


def _refused(game: str, decision: Decision) -> Outcome:
    return Outcome(game, decision.summary, error=decision.error, kind="decision")


def _written(remote: Remote, game: str, decision: Decision, clock: Clock, revert_main: RevertMode) -> Outcome:
    """After the push: the separate revert on main, and what to report."""
    notes = [_revert_main(remote, game, a, clock, revert_main) for a in decision.actions if isinstance(a, RevertMain)]
    # the numbers of the evaluation behind the decision (a rollback event repeats them)
    checks = next((e.checks for a in decision.actions if isinstance(a, AppendEvents) for e in a.events if e.checks), ())
    kinds = tuple(type(a).__name__ for a in decision.actions)
    return Outcome(game, decision.summary + "".join(f"; {n}" for n in notes), checks, wrote=True, actions=kinds)


def _revert_main(remote: Remote, game: str, action: RevertMain, clock: Clock, mode: RevertMode) -> str:
    now = clock()
    if mode == "off":
        outcome, detail = "needed", "reverting main is turned off (HOTSWAP_REVERT_MAIN=0): revert it by pull request"
    else:
        try:
            if mode == "push":
                outcome, detail = remote.revert_main(action.release, action.reason, now)
            else:  # the branch now; the pull request is told to GitHub with the notifications
                outcome, detail = remote.propose_revert(action.release, action.reason, now)
        except PushRejected as exc:
            # main (or hotswap/**) is protected: recorded once in the ledger, never pushed again
            # (every pass would be refused the same way); a person reverts it.
            outcome, detail = "refused", f"{MAIN_REVERT_REFUSED} ({exc})"
        except InvalidWrite as exc:
            # The reverted main fails validation: reported and recorded, never pushed; the rings'
            # rollback, pushed before, stands.
            outcome, detail = "invalid", f"{MAIN_REVERT_INVALID} ({exc})"
    if outcome == "pending":
        return f"main revert of {action.release[:12]}: {detail}"
    remote.fetch()  # read the ledger as it is now (a refused revert moved nothing here)
    _write(remote, game, _main_reverted(action.release, outcome, detail), clock)
    return f"main revert of {action.release[:12]}: {outcome} ({detail[:12] if outcome == 'done' else detail})"


def _main_reverted(release: str, outcome: str, detail: str) -> Callable[[GameSnapshot, datetime], Decision]:
    """Note the outcome of the revert on main in the rollout's record (a ledger-only write)."""

    def make(snap: GameSnapshot, now: datetime) -> Decision:
        record = snap.records.get(release)
        event = Event(now, "main-revert", outcome=outcome, reason=detail)
        actions = (AppendEvents(snap.game, release, record.tree if record else "", (event,)),)
        return Decision(snap.game, f"main revert of {release[:12]}: {outcome}", actions)

    return make


def reject(remote: Remote, report: NotifyReport, clock: Clock, revert_main: RevertMode) -> list[Outcome]:
    """An approval pull request closed unmerged comes back from GitHub as a rejection to decide on."""
    outcomes = []
    for rejection in report.rejections:
        try:
            outcomes.append(apply_with_retry(remote, rejection.game, _rejecting(rejection), clock, revert_main))
        except DecisionError:
            continue  # the rollout moved on since (approved another way): nothing to reject
        except Exception as exc:  # that game's problem alone
            outcomes.append(failed(rejection.game, exc))
    return outcomes


def told_broken(report: NotifyReport) -> list[Outcome]:
    """Telling GitHub about one game raised something unforeseen: that game's internal error (the
    others were told)."""
    return [
        Outcome(game, f"internal error telling GitHub, the other games were told: {why}", error=why, kind="internal")
        for game, why in report.broken
    ]


def _rejecting(rejection: Rejection) -> Callable[[GameSnapshot, datetime], Decision]:
    why = f"approval pull request #{rejection.pull} was closed without merging"

    def make(snap: GameSnapshot, now: datetime) -> Decision:
        return decide_reject(snap, now, rejection.key, f"pull request #{rejection.pull}", why)

    return make


class Reconciler:
    def __init__(
        self,
        remote: Remote,
        metrics: MetricsSource,
        clock: Clock = utc_now,
        revert_main: RevertMode = "push",
        notifier: Notifier | None = None,
    ) -> None:
        self.remote = remote
        self.metrics = metrics
        self.clock = clock
        self.revert_main = revert_main
        self.notifier = notifier
        self.last_notify: NotifyReport | None = None

    def _decide(self, snap: GameSnapshot, now: datetime) -> Decision:
        decision = decide(snap, now)
        if decision.evaluate is not None:
            results = evaluate(self.metrics, decision.evaluate, now)
            decision = decide(snap, now, results)
        return decision

    def run_once(self, games: list[str] | None = None) -> list[Outcome]:
        """Decide and write for every game; then, when GitHub is set up, tell it what happened."""
        self.remote.fetch()
        names = games or self.remote.games()
        outcomes = self._decide_and_write(names)
        if self.notifier is not None:
            outcomes += self._notify(names)
        return outcomes

    def _notify(self, names: list[str]) -> list[Outcome]:
        """GitHub is told after the writes, so nothing it does can hold a promotion or a rollback up."""
        assert self.notifier is not None
        report = self.last_notify = self.notifier.run(names)
        return [*told_broken(report), *reject(self.remote, report, self.clock, self.revert_main)]

    def _decide_and_write(self, names: list[str]) -> list[Outcome]:
        """Decide for every game, then send all their writes in one atomic push. Whatever one game
        raises (a git object it cannot read, a bug) is that game's outcome; the others go on."""
        try:
            written = writer.write(self.remote, lambda: self._plan(names), MAX_ATTEMPTS)
        except Exception:
            # Something refused part of the batch (a hook on some refs, a tree that fails
            # validation) or one game's writes could not be built: go game by game, so the
            # others still move and the failing one says why.
            return [self._one_by_one(g) for g in names]
        if written.answer is None:
            return [
                Outcome(g, f"lost the race {MAX_ATTEMPTS} times in a row; the next pass decides again") for g in names
            ]
        decided, broken = written.answer
        done = {snap.game: with_skipped(self._after(snap.game, d), written.skipped) for snap, d in decided}
        return [broken.get(g) or done[g] for g in names]

    def _plan(self, names: list[str]) -> Plan[tuple[list[tuple[GameSnapshot, Decision]], dict[str, Outcome]]]:
        """One attempt of a pass: every game read and decided, their writes built for one push."""
        now = self.clock()
        decided: list[tuple[GameSnapshot, Decision]] = []
        broken: dict[str, Outcome] = {}
        for name in names:
            try:
                snap = self.remote.snapshot(name)
                decided.append((snap, with_recorded_stops(self.remote, checked(self._decide(snap, now)))))
            except Exception as exc:
                broken[name] = failed(name, exc)
        batch = [(snap, d.actions) for snap, d in decided if d.actions and not d.error]
        return Plan(writes.decision_updates(self.remote, batch, now), (decided, broken))

    def _one_by_one(self, game: str) -> Outcome:
        try:
            return apply_with_retry(self.remote, game, self._decide, self.clock, self.revert_main)
        except Exception as exc:
            return failed(game, exc)

    def _after(self, game: str, decision: Decision) -> Outcome:
        """What one game's decision came to once the batch is written (or had nothing to write)."""
        if decision.error:
            return _refused(game, decision)
        if not decision.actions:
            return Outcome(game, decision.summary)
        try:
            return _written(self.remote, game, decision, self.clock, self.revert_main)
        except Exception as exc:
            return failed(game, exc)
