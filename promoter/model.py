"""Plain values the promoter decides over and decides into. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from contract.instants import read_instant
from pipeline.policy import RolloutPolicy

Verdict = Literal["pass", "warning", "critical", "inconclusive", "error", "hold", "n/a"]
# Worst first: a rollout is judged by its worst check. "hold" (the judge needs more exposure) keeps
# the step going; "n/a" (a check that does not apply at this step) judges nothing and is shown as
# such, never as a pass.
VERDICT_ORDER: tuple[Verdict, ...] = ("critical", "warning", "error", "inconclusive", "hold", "pass")


def rollout_id(game: str, release: str) -> str:
    return f"{game}-{release[:12]}"


@dataclass(frozen=True)
class StopLayer:
    """A kill switch's commit on a ring: it set `event`'s end in `under`, the tree it edited. It
    lands no release, so it moves neither a step's landed time nor what a release is compared with."""

    event: str
    under: str


@dataclass(frozen=True)
class DeployInfo:
    """The tip of one ring branch, and what the ring served before the release it now carries."""

    commit: str
    tree: str
    release: str | None
    time: datetime  # when what the ring serves landed: the deploy or revert, never an event stop over it
    rollback_of: str | None = None
    previous_tree: str | None = None  # the tree before `release` first reached this ring
    previous_release: str | None = None
    switch_at: datetime | None = None  # blue-green: the instant the servers flip (Hotswap-Switch-At)
    stops: tuple[StopLayer, ...] = ()  # event stops laid over the landing commit, newest first
    previous_stops: tuple[StopLayer, ...] = ()  # the same over `previous_tree`'s commit


@dataclass(frozen=True)
class CheckResult:
    name: str
    verdict: Verdict
    candidate: float | None = None
    baseline: float | None = None
    message: str = ""
    # The sequential judge's numbers (promoter.analysis.evidence_json: counts, estimate, bounds,
    # need, and this evaluation's cumulative reads and batch); None for old-form checks.
    evidence: Mapping[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "candidate": self.candidate,
            "baseline": self.baseline,
            "message": self.message,
            "evidence": dict(self.evidence) if self.evidence is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        evidence = data.get("evidence")  # absent in ledgers written before the sequential judge
        return cls(
            data["name"],
            data["verdict"],
            data.get("candidate"),
            data.get("baseline"),
            data.get("message", ""),
            evidence if isinstance(evidence, Mapping) else None,
        )


EventType = Literal[
    "bootstrap",
    "deploy",
    "evaluate",
    "pause",
    "approve",
    "rollback",
    "complete",
    "reject",
    "main-revert",
    "lift-freeze",
]
# An operator lifted the freeze in force for this release (`hotswap approve --lift-freeze`): the
# windows in force at the event's instant no longer hold it (promoter.gates.held).
LIFT_FREEZE: EventType = "lift-freeze"


@dataclass(frozen=True)
class Event:
    """One decision in a rollout's record in the ledger, with the numbers behind it."""

    at: datetime
    type: EventType
    region: str | None = None
    step: int | None = None
    outcome: str | None = None  # evaluate: worst verdict; pause: why; main-revert: done|pending|conflict|failed
    reason: str = ""
    checks: tuple[CheckResult, ...] = ()
    by: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"at": self.at.isoformat(), "type": self.type}
        for key in ("region", "step", "outcome", "by"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.reason:
            data["reason"] = self.reason
        if self.checks:
            data["checks"] = [c.as_json() for c in self.checks]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            at=read_instant(data["at"]),
            type=data["type"],
            region=data.get("region"),
            step=data.get("step"),
            outcome=data.get("outcome"),
            reason=data.get("reason", ""),
            checks=tuple(CheckResult.from_json(c) for c in data.get("checks", ())),
            by=data.get("by"),
        )


TERMINAL: frozenset[str] = frozenset({"complete", "rollback", "reject", "bootstrap"})


@dataclass(frozen=True)
class RolloutRecord:
    """A rollout as the ledger keeps it: `rollouts/<game>/<release>.json`."""

    game: str
    release: str
    tree: str
    events: tuple[Event, ...] = ()

    @property
    def id(self) -> str:
        return rollout_id(self.game, self.release)

    @property
    def ended(self) -> Event | None:
        # The last ending event: a release that completed and was rolled back later has ended by
        # its rollback.
        return next((e for e in reversed(self.events) if e.type in TERMINAL), None)

    def appended(self, *events: Event) -> RolloutRecord:
        return RolloutRecord(self.game, self.release, self.tree, self.events + events)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "game": self.game,
            "release": self.release,
            "tree": self.tree,
            "events": [e.as_json() for e in self.events],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RolloutRecord:
        return cls(data["game"], data["release"], data["tree"], tuple(Event.from_json(e) for e in data["events"]))


@dataclass(frozen=True)
class QuarantineRecord:
    """A release that must never be promoted again: `quarantine/<game>/<release>.json`."""

    game: str
    release: str
    tree: str
    at: datetime
    reason: str
    checks: tuple[CheckResult, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "game": self.game,
            "release": self.release,
            "tree": self.tree,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "checks": [c.as_json() for c in self.checks],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuarantineRecord:
        return cls(
            data["game"],
            data["release"],
            data["tree"],
            read_instant(data["at"]),
            data.get("reason", ""),
            tuple(CheckResult.from_json(c) for c in data.get("checks", ())),
        )


@dataclass(frozen=True)
class Candidate:
    """The newest main commit that changed the game's folder: what main wants every ring to serve."""

    commit: str
    tree: str
    subject: str = ""


@dataclass(frozen=True)
class ReleaseInfo:
    """What the adapter read at a release commit: its policy (or why there is none) and its validity."""

    policy: RolloutPolicy | None
    problems: tuple[str, ...] = ()  # validation findings; a release with problems is never deployed
    policy_problem: str | None = None  # no usable policy: nothing can be decided, nothing is written
    strategy_why: str = ""  # pipeline.strategy_select: why `policy` has its strategy (by what the release touches)
    not_before: datetime | None = None  # the release commit's Hotswap-Not-Before trailer (promoter.gates)
    event_stop: bool = False  # the release commit stops a live event (Hotswap-Event-Stop): no freeze holds it
    # pipeline.policy_bound: what the policy in force kept of itself in `policy` ("" when nothing)
    policy_bound: str = ""


@dataclass(frozen=True)
class GameSnapshot:
    """Everything the promoter needs to decide for one game, read once per pass."""

    game: str
    candidate: Candidate | None
    rings: Mapping[tuple[str, int], DeployInfo]  # (region, percent) -> tip
    records: Mapping[str, RolloutRecord]  # by release
    quarantine: Mapping[str, QuarantineRecord]  # by release
    releases: Mapping[str, ReleaseInfo]  # by release commit: the candidate's and the in-flight one's
    main_reverted: frozenset[str] = field(default_factory=frozenset)  # releases already reverted on main
    # approval files on main: (release, region) -> the wait key they approve (approval by merge)
    approvals: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # blue-green: each region's green ref (`deploy/<g>/<r>/green`), by region; never a ring
    green: Mapping[str, DeployInfo] = field(default_factory=dict)


APPROVALS_ROOT = "approvals"


def approval_path(game: str, release: str, region: str) -> str:
    return f"{APPROVALS_ROOT}/{game}/{release[:12]}/{region}.yaml"


@dataclass(frozen=True)
class Wait:
    """What a rollout waits on a person for: a region's approval gate, or a paused step."""

    release: str
    tree: str
    region: str
    step: int | None  # None: the region's `approval: required` gate, before its first step
    since: datetime | None  # when the step paused
    reason: str
    label: str | None = None  # how a person reads the paused stage: "10%", "green", "switch"

    @property
    def what(self) -> str:
        """`NA-WEST at 10%`, `NA-WEST at green`, or `region NA-WEST` for a gate."""
        if self.step is None:
            return f"region {self.region}"
        return f"{self.region} at {self.label or f'{self.step}%'}"

    @property
    def key(self) -> str:
        """Names this wait and no other: an approval of an earlier pause cannot approve a later one."""
        if self.step is None or self.since is None:
            return f"{self.region}/gate"
        return f"{self.region}/{self.step}/{self.since.strftime('%Y%m%dT%H%M%S%fZ')}"


# --- what the decision asks for -------------------------------------------------------------------


@dataclass(frozen=True)
class WriteRings:
    """Deploy `release` (its game tree) to these rings: one commit each, in one push."""

    game: str
    release: str
    tree: str
    stage: str  # "<region>/<percent>", "<region>/switch", "expedited"
    rings: tuple[tuple[str, int], ...]
    switch_at: datetime | None = None  # blue-green switch: every ring commit says when servers flip


@dataclass(frozen=True)
class WriteGreen:
    """Blue-green: deploy `release` to the region's green ref (the green pool), no ring touched."""

    game: str
    release: str
    tree: str
    region: str


@dataclass(frozen=True)
class DropGreen:
    """Blue-green: delete the region's green ref, so its green pool follows its ring again (the
    agent reads its ring while no green ref exists). Written when no rollout in flight deploys the
    release green carries: the release completed, was rolled back, or another release runs."""

    game: str
    region: str
    release: str | None  # what the dropped ref carried, for the summary


@dataclass(frozen=True)
class RevertRing:
    region: str
    percent: int
    tree: str  # what the ring had before the bad release
    release: str | None  # the release that tree came from


@dataclass(frozen=True)
class RevertRings:
    game: str
    bad_release: str
    reason: str
    rings: tuple[RevertRing, ...]
    # blue-green: green refs returned to blue (`percent` unused), in the same push as the rings
    green: tuple[RevertRing, ...] = ()
    switch_at: datetime | None = None  # blue-green switch-back: the instant servers flip back


@dataclass(frozen=True)
class AppendEvents:
    game: str
    release: str
    tree: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Quarantine:
    record: QuarantineRecord


@dataclass(frozen=True)
class TagRelease:
    game: str
    release: str


@dataclass(frozen=True)
class RevertMain:
    """Revert the bad commit on main: a separate, later write (main may be protected)."""

    game: str
    release: str
    reason: str


Action = WriteRings | WriteGreen | DropGreen | RevertRings | AppendEvents | Quarantine | TagRelease | RevertMain


@dataclass(frozen=True)
class EvaluationRequest:
    """The checks of one step must be evaluated before the decision can be taken."""

    game: str
    region: str
    step: int
    revision: str  # candidate, 12 hex
    baseline: str | None  # what ring-100 of the region serves, 12 hex
    policy: RolloutPolicy
    landed: datetime | None = None  # when the step landed: counters are read as increases since then
    # The release's evaluations in this region so far, oldest first: the judge's evidence carries
    # across the region's steps (batches) and each step's cumulative reads give the next batch.
    history: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Decision:
    game: str
    summary: str
    actions: tuple[Action, ...] = ()
    evaluate: EvaluationRequest | None = None
    error: str | None = None  # the game cannot be handled until someone fixes its configs
    wait: Wait | None = None  # what the rollout waits on a person for, if anything
