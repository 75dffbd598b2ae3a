"""What a person asks of the promoter, shared by the CLI and the API: approve and roll back.

Each use case decides with the pure functions of `decide` and writes through `apply_with_retry`, so the
command line and `hotswap serve` take exactly the same path. A use case acts only on the release it is
given (when one is named) and is idempotent: asking again for what was already done answers with the
earlier result and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contract.refs import LEDGER_REF, MAIN_REF, green_ref, ring_ref
from promoter import rollout
from promoter.decide import DecisionError, decide_approve, decide_rollback, find_record
from promoter.gitio import Remote
from promoter.model import AppendEvents, Decision, GameSnapshot, RevertMain, RevertRings
from promoter.reconcile import Clock, Outcome, RevertMode, apply_with_retry, utc_now

Make = Callable[[GameSnapshot, datetime], Decision]


@dataclass(frozen=True)
class RefMove:
    """One ref a rollback would move, for `--dry-run`."""

    ref: str
    old: str | None
    what: str


@dataclass(frozen=True)
class Result:
    game: str
    outcome: Outcome
    changed: bool  # False when the same action had been taken before (idempotent retry) or dry run
    moves: tuple[RefMove, ...] = ()


def approve(
    remote: Remote,
    game: str,
    region: str,
    by: str,
    release: str | None = None,
    clock: Clock = utc_now,
) -> Result:
    """Approve what the rollout waits for in `region` (of `release`, when named). Raises DecisionError
    (a `Refused`) when nothing there waits and it was not approved before."""
    outcome = apply_with_retry(remote, game, _approving(region, by, release), clock)
    return Result(game, outcome, outcome.wrote)


def _approving(region: str, by: str, release: str | None) -> Make:
    def make(snap: GameSnapshot, now: datetime) -> Decision:
        try:
            return decide_approve(snap, now, region, by, release)
        except DecisionError:
            if release is None:
                raise
            record = find_record(snap, release)
            prior = rollout.last_approval(record, region)
            if rollout.ended_state(record) is not None or prior is None:
                raise
            return Decision(snap.game, f"already approved {region} by {prior.by} at {_at(prior.at)}; nothing to do")

    return make


def rollback(
    remote: Remote,
    game: str,
    reason: str,
    by: str,
    release: str | None = None,
    clock: Clock = utc_now,
    revert_main: RevertMode = "push",
    dry_run: bool = False,
) -> Result:
    """Roll back the rollout in flight, or the named release (in flight or completed). Raises
    DecisionError when there is nothing to roll back."""
    make = _rolling_back(reason, by, release)
    if dry_run:
        snap = remote.snapshot(game)
        decision = make(snap, clock())
        return Result(game, Outcome(game, decision.summary), False, _moves(snap, decision, revert_main))
    outcome = apply_with_retry(remote, game, make, clock, revert_main)
    return Result(game, outcome, outcome.wrote)


def _rolling_back(reason: str, by: str, release: str | None) -> Make:
    def make(snap: GameSnapshot, now: datetime) -> Decision:
        if release is not None:
            record = find_record(snap, release)
            ended = record.ended
            if ended is not None and ended.type == "rollback":
                return Decision(
                    snap.game,
                    f"{record.release[:12]} was already rolled back at {_at(ended.at)}: {ended.reason}; nothing to do",
                )
        return decide_rollback(snap, now, reason, by, release)

    return make


def _moves(snap: GameSnapshot, decision: Decision, revert_main: RevertMode) -> tuple[RefMove, ...]:
    moves: list[RefMove] = []
    for action in decision.actions:
        if isinstance(action, RevertRings):
            for ring in action.rings:
                tip = snap.rings[(ring.region, ring.percent)]
                back_to = ring.release[:12] if ring.release else "nothing"
                moves.append(
                    RefMove(
                        ring_ref(snap.game, ring.region, ring.percent),
                        tip.commit,
                        f"revert commit back to {back_to} (tree {ring.tree[:12]})",
                    )
                )
            for ring in action.green:
                back_to = ring.release[:12] if ring.release else "nothing"
                moves.append(
                    RefMove(
                        green_ref(snap.game, ring.region),
                        snap.green[ring.region].commit,
                        f"revert commit back to {back_to} (tree {ring.tree[:12]})",
                    )
                )
        elif isinstance(action, AppendEvents):
            moves.append(RefMove(LEDGER_REF, None, f"rollout record of {action.release[:12]} and the quarantine"))
        elif isinstance(action, RevertMain):
            what = {
                "push": "a revert commit (a separate, later push)",
                "pull": "a revert pull request from hotswap/revert-" + action.release[:12],
                "off": "nothing: reverting main is turned off (recorded as needed)",
            }[revert_main]
            moves.append(RefMove(MAIN_REF, None, what))
    return tuple(dict.fromkeys(moves))


def _at(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%SZ")
