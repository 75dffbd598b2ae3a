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
from promoter.model import ReleaseInfo

NOT_BEFORE_TRAILER = "Hotswap-Not-Before"
EVENT_STOP_TRAILER = "Hotswap-Event-Stop"


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
    ordered = sorted(windows, key=lambda w: w.start)
    holding = [w for w in ordered if w.contains(now)]
    if not holding:
        return None
    until = max(w.end for w in holding)
    reasons = [w.reason for w in holding]
    for window in ordered:
        if window.start <= until < window.end:
            until = window.end
            reasons.append(window.reason)
    return Block("frozen", until, "; ".join(dict.fromkeys(reasons)))


def not_before(policy: RolloutPolicy, info: ReleaseInfo | None) -> datetime | None:
    times = [t for t in (policy.not_before, info.not_before if info else None) if t is not None]
    return max(times) if times else None


def blocked(policy: RolloutPolicy, info: ReleaseInfo | None, now: datetime) -> Block | None:
    """Why no deploy may be written now, or None. An event stop passes every gate."""
    if info is not None and info.event_stop:
        return None
    start = not_before(policy, info)
    if start is not None and now < start:
        return Block("scheduled", start, f"not before {format_instant(start)}")
    return freeze_at(policy.freeze, now)


def blocked_by_main(main_policy: RolloutPolicy | None, info: ReleaseInfo | None, now: datetime) -> Block | None:
    """A freeze in the policy main holds now (merged after the release in flight was cut) holds
    that release too; its schedule (notBefore) is the release's own and is not taken from main."""
    if main_policy is None or (info is not None and info.event_stop):
        return None
    return freeze_at(main_policy.freeze, now)
