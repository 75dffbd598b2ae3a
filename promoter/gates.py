"""Time gates of a rollout: freeze windows and scheduled releases. Pure.

During a freeze window (`spec.freeze`, UTC) no promotion starts or advances; rollbacks, approvals
and event stops go on. A release does not start before `spec.notBefore` nor before the
`Hotswap-Not-Before:` trailer of its main commit (the later of the two).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from contract.instants import format_instant
from pipeline.policy import RolloutPolicy
from pipeline.strategy_rules import FreezeWindow
from promoter.model import LIFT_FREEZE, GameSnapshot, ReleaseInfo


@dataclass(frozen=True)
class Block:
    kind: Literal["frozen", "scheduled"]
    until: datetime
    reason: str

    @property
    def summary(self) -> str:
        if self.kind == "frozen":
            return f"frozen until {format_instant(self.until)}: {self.reason}"
        return f"scheduled: not before {format_instant(self.until)}"


def freeze_at(windows: Iterable[FreezeWindow], now: datetime) -> Block | None:
    """The freeze in force at `now`: until the end of every window chained to the one holding `now`
    (overlapping or touching windows freeze their union), with the reasons of those windows."""
    chained = _chain(windows, now)
    if not chained:
        return None
    return Block("frozen", max(w.end for w in chained), "; ".join(dict.fromkeys(w.reason for w in chained)))


def _chain(windows: Iterable[FreezeWindow], now: datetime) -> tuple[FreezeWindow, ...]:
    """The windows holding `now` and every window chained to them (starting before the chain ends)."""
    ordered = sorted(windows, key=lambda w: w.start)
    chained = [w for w in ordered if w.contains(now)]
    if not chained:
        return ()
    until = max(w.end for w in chained)
    for window in ordered:
        if window.start <= until < window.end:
            until = window.end
            chained.append(window)
    return tuple(dict.fromkeys(chained))


def not_before(policy: RolloutPolicy, info: ReleaseInfo | None) -> datetime | None:
    times = [t for t in (policy.not_before, info.not_before if info else None) if t is not None]
    return max(times) if times else None


def blocked(policy: RolloutPolicy, info: ReleaseInfo | None, now: datetime) -> Block | None:
    """Why no deploy of a release with this policy may be written now, or None (its own policy
    only; `held` adds main's freeze and lifts). An event stop passes every gate."""
    if info is not None and info.event_stop:
        return None
    start = not_before(policy, info)
    if start is not None and now < start:
        return Block("scheduled", start, f"not before {format_instant(start)}")
    return freeze_at(policy.freeze, now)


@dataclass(frozen=True)
class Held:
    """What holds a release now: its schedule (notBefore) and a freeze, either may be None."""

    schedule: Block | None = None
    freeze: Block | None = None

    @property
    def block(self) -> Block | None:
        return self.schedule or self.freeze


def main_policy(snap: GameSnapshot) -> RolloutPolicy | None:
    """The policy main holds now (its candidate's effective policy)."""
    info = snap.releases.get(snap.candidate.commit) if snap.candidate is not None else None
    return info.policy if info is not None else None


def held(snap: GameSnapshot, release: str, now: datetime) -> Held:
    """The one gate rule, for decide and status alike. The release's schedule holds it; so does a
    freeze of its own (effective, bounded) policy or of the policy main holds now (merged after the
    release was cut), unless an operator lifted that freeze for this release (`lift-freeze` in its
    record: every window in force when the lift was recorded). An event stop passes every gate."""
    info = snap.releases.get(release)
    policy = info.policy if info is not None else None
    if policy is None or (info is not None and info.event_stop):
        return Held()
    start = not_before(policy, info)
    schedule = Block("scheduled", start, f"not before {format_instant(start)}") if start and now < start else None
    main = main_policy(snap)
    windows = tuple(dict.fromkeys((*policy.freeze, *(main.freeze if main is not None else ()))))
    record = snap.records.get(release)
    lifted = {w for e in (record.events if record else ()) if e.type == LIFT_FREEZE for w in _chain(windows, e.at)}
    return Held(schedule, freeze_at((w for w in windows if w not in lifted), now))
