"""What GitHub should be told about one rollout, as a pure function of the rollout (ledger, rings,
what it waits for) and of what was already told (`NotifyState`, kept in the ledger).

GitHub is told after the git truth is written, and only what is not told yet: the difference
between the two is the outbox, so what a GitHub outage kept back is sent on a later pass, once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.policy import RolloutPolicy
from promoter.github.render import approval_body, fit, revert_body, rollout_comment
from promoter.model import CheckResult, GameSnapshot, RolloutRecord, Wait, approval_path
from promoter.strategies import step_label

COMMENT_MARKER = "<!-- hotswap:rollout:{game}:{release} -->"
_PR_NUMBER = (re.compile(r"^Merge pull request #(\d+) "), re.compile(r"\(#(\d+)\)\s*$"))


@dataclass(frozen=True)
class NotifyState:
    """What GitHub was already told about one release: `github/<game>/<release>.json` in the ledger."""

    game: str
    release: str
    comment: str | None = None  # digest of the rollout comment as last written
    deployments: Mapping[str, int] = field(default_factory=dict)  # region -> GitHub deployment id
    sent: Mapping[str, int] = field(default_factory=dict)  # region -> deployment statuses sent
    revert_pull: int | None = None
    approvals: Mapping[str, int] = field(default_factory=dict)  # wait key -> approval pull request
    settled: frozenset[str] = frozenset()  # wait keys whose approval pull request is closed
    done: bool = False  # the rollout ended and everything about it was told
    origin: int | None = None  # the pull request GitHub's search found for the release commit
    searched: bool = False  # the search for the release commit's pull request is over (found or given up)
    failed: Mapping[str, str] = field(default_factory=dict)  # item -> why: refused for good, never retried

    def as_json(self) -> dict[str, Any]:
        return {
            "game": self.game,
            "release": self.release,
            "comment": self.comment,
            "deployments": dict(sorted(self.deployments.items())),
            "sent": dict(sorted(self.sent.items())),
            "revertPull": self.revert_pull,
            "approvals": dict(sorted(self.approvals.items())),
            "settled": sorted(self.settled),
            "done": self.done,
            "origin": self.origin,
            "searched": self.searched,
            "failed": dict(sorted(self.failed.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NotifyState:
        return cls(
            data["game"],
            data["release"],
            data.get("comment"),
            {str(k): int(v) for k, v in data.get("deployments", {}).items()},
            {str(k): int(v) for k, v in data.get("sent", {}).items()},
            data.get("revertPull"),
            {str(k): int(v) for k, v in data.get("approvals", {}).items()},
            frozenset(data.get("settled", ())),
            bool(data.get("done", False)),
            data.get("origin"),
            bool(data.get("searched", False)),
            {str(k): str(v) for k, v in data.get("failed", {}).items()},
        )


# --- what to tell ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostComment:
    pull: int
    marker: str
    body: str
    digest: str


@dataclass(frozen=True)
class FindOrigin:
    """Ask GitHub which pull request merged the release (its subject names none: a rebase merge)."""

    release: str


@dataclass(frozen=True)
class EnsureDeployment:
    region: str
    environment: str
    description: str


@dataclass(frozen=True)
class PostDeploymentStatus:
    region: str
    index: int  # the status's place in the region's sequence: sent once, in order
    state: str
    description: str


@dataclass(frozen=True)
class OpenRevertPull:
    branch: str
    title: str
    body: str


@dataclass(frozen=True)
class OpenApprovalPull:
    wait: Wait
    branch: str
    path: str
    content: str
    title: str
    body: str


@dataclass(frozen=True)
class SettleApprovalPull:
    """Look at an approval pull request: closed unmerged while still current is a rejection; open
    but no longer current (approved another way, or the rollout ended) gets closed."""

    key: str
    pull: int
    current: bool


Op = (
    FindOrigin
    | PostComment
    | EnsureDeployment
    | PostDeploymentStatus
    | OpenRevertPull
    | OpenApprovalPull
    | SettleApprovalPull
)


@dataclass(frozen=True)
class RolloutView:
    """One rollout as the planner sees it: plain values read by the adapters."""

    snap: GameSnapshot
    release: str
    record: RolloutRecord | None
    policy: RolloutPolicy | None
    wait: Wait | None
    state: NotifyState
    origin_pull: int | None  # the pull request the release was merged from, as its commit message says
    check_pulls: bool = True  # look at open approval pull requests (once per pass)
    search_origin: bool = True  # ask GitHub's search for the release's pull request (once per pass)

    @property
    def origin(self) -> int | None:
        """The release's pull request: named by its commit, else found by GitHub's search."""
        return self.origin_pull or self.state.origin


def origin_pull(message: str) -> int | None:
    """The pull request a main commit came from: a merge commit's subject, or a squash's `(#N)`."""
    subject = message.splitlines()[0] if message else ""
    for pattern in _PR_NUMBER:
        match = pattern.search(subject)
        if match:
            return int(match.group(1))
    return None


def deployment_statuses(record: RolloutRecord, policy: RolloutPolicy) -> dict[str, list[tuple[str, str]]]:
    """Each region's deployment statuses, in order, derived from the rollout's events alone. Each
    description fits GitHub's 140 characters: the deciding checks first, "+N more" for the rest."""
    out: dict[str, list[tuple[str, str]]] = {}
    last_checks: tuple[CheckResult, ...] = ()
    for event in record.events:
        region = policy.region(event.region) if event.region else None
        if event.type == "evaluate" and region is not None:
            last_checks = event.checks
            if event.outcome == "pass" and event.step == region.steps[-1] and region.name in out:
                passed = fit(f"{region.name} at 100%, checks passed: ", last_checks or ())
                out[region.name].append(("success", passed if last_checks else f"{passed} no checks"))
        elif event.type == "deploy" and region is not None:
            prefix = f"{region.name} at {step_label(policy, event.step)}"
            text = fit(f"{prefix} after ", last_checks) if last_checks else fit(prefix)
            out.setdefault(region.name, []).append(("in_progress", text))
        elif event.type == "pause" and region is not None and region.name in out:
            out[region.name].append(("in_progress", fit(f"paused at {step_label(policy, event.step)}: {event.reason}")))
        elif event.type in ("rollback", "reject"):
            for statuses in out.values():
                what = "rolled back" if event.type == "rollback" else "rejected"
                statuses.append(("failure", fit(f"{what}: {event.reason}")))
    return out


def item(op: Op) -> str:
    """The name an operation's failure is recorded under in `NotifyState.failed`."""
    if isinstance(op, FindOrigin):
        return "origin"
    if isinstance(op, PostComment):
        return "comment"
    if isinstance(op, EnsureDeployment):
        return f"deployment:{op.region}"
    if isinstance(op, PostDeploymentStatus):
        return f"status:{op.region}:{op.index}"
    if isinstance(op, OpenRevertPull):
        return "revert-pull"
    if isinstance(op, OpenApprovalPull):
        return f"approval:{op.wait.key}"
    return f"settle:{op.key}"


def refused(state: NotifyState, op: Op) -> bool:
    """GitHub refused this item for good, or the item it needs: a status needs its deployment, so it
    is refused with it (the same pass included: a plan made before the refusal still lists it)."""
    failed = state.failed
    return item(op) in failed or (isinstance(op, PostDeploymentStatus) and f"deployment:{op.region}" in failed)


def plan(view: RolloutView) -> tuple[Op, ...]:
    """Everything GitHub has not been told yet about this rollout, in the order to tell it, but
    what GitHub refused for good."""
    return tuple(op for op in _plan(view) if not refused(view.state, op))


def _plan(view: RolloutView) -> list[Op]:
    state, game, release = view.state, view.snap.game, view.release
    ops: list[Op] = []
    current = view.wait.key if view.wait is not None and view.wait.release == release else None
    if view.check_pulls:
        ops += [
            SettleApprovalPull(key, number, key == current)
            for key, number in sorted(state.approvals.items())
            if key not in state.settled
        ]
    if view.wait is not None and current is not None and current not in state.approvals:
        ops.append(_approval_pull(game, view.wait))
    if view.record is not None and view.policy is not None:
        for region, statuses in deployment_statuses(view.record, view.policy).items():
            if region not in state.deployments:
                ops.append(EnsureDeployment(region, f"{game}/{region}", f"{game} {release[:12]} to {region}"))
            sent = state.sent.get(region, 0)
            ops += [PostDeploymentStatus(region, i, s, d) for i, (s, d) in enumerate(statuses) if i >= sent]
        revert = _proposed_revert(view.record)
        if revert is not None and state.revert_pull is None:
            ops.append(
                OpenRevertPull(revert, f"Revert {game} {release[:12]}: rolled back by HotSwap", revert_body(view))
            )
    origin = view.origin
    if view.record is not None or view.wait is not None:
        if origin is None and not state.searched:
            if view.search_origin:
                ops.append(FindOrigin(release))
        elif origin is not None:
            body = COMMENT_MARKER.format(game=game, release=release) + "\n" + rollout_comment(view)
            digest = hashlib.sha256(body.encode()).hexdigest()[:16]
            if digest != state.comment:
                ops.append(PostComment(origin, COMMENT_MARKER.format(game=game, release=release), body, digest))
    return ops


def finished(view: RolloutView) -> bool:
    """Nothing more will ever be told about this rollout (an approval pull request still open counts)."""
    record = view.record
    return (
        record is not None
        and record.ended is not None
        and not plan(replace(view, check_pulls=True, search_origin=True))
    )


def _proposed_revert(record: RolloutRecord) -> str | None:
    event = next((e for e in reversed(record.events) if e.type == "main-revert"), None)
    return event.reason if event is not None and event.outcome == "proposed" else None


def approval_branch(game: str, wait: Wait) -> str:
    key = hashlib.sha256(wait.key.encode()).hexdigest()[:8]
    return f"hotswap/approve-{game}-{wait.release[:12]}-{wait.region}-{key}"


def _approval_pull(game: str, wait: Wait) -> OpenApprovalPull:
    what = wait.what
    content = (
        f"# Merging the pull request that adds this file approves {what} for release {wait.release[:12]}.\n"
        f'game: {game}\nrelease: "{wait.release}"\nregion: {wait.region}\nwait: {wait.key}\n'
    )
    return OpenApprovalPull(
        wait,
        approval_branch(game, wait),
        approval_path(game, wait.release, wait.region),
        content,
        f"Approve {game} {wait.release[:12]}: {what}",
        approval_body(game, wait),
    )
