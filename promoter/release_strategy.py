"""A release's ReleaseInfo with the strategy chosen by what it touches and its commit's scheduling
trailers applied. Pure: the git adapter reads the touched files and the trailers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from contract.instants import InstantError, read_instant
from contract.trailers import EVENT_STOP, NOT_BEFORE
from pipeline.policy import RolloutPolicy
from pipeline.policy_bound import choose
from pipeline.strategy_select import Touched
from promoter.model import DeployInfo, ReleaseInfo, StopLayer


def served_before(
    rings: Mapping[tuple[str, int], DeployInfo], region: str, release: str, unknown: Collection[str] = ()
) -> str | None:
    """The tree the game serves apart from `release`: ring-100 of `region`, or what that ring had
    before the release reached it (so the choice holds for the whole rollout). `unknown`: the events
    whose kill switch the release was not written knowing (it does not descend from the stop): their
    stops on the ring are peeled off, so a stop during the rollout leaves its strategy as it was."""
    tip = rings.get((region, 100))
    if tip is None:
        return None
    if tip.release == release:
        return unstopped(tip.previous_tree, tip.previous_stops, unknown) if tip.previous_tree else None
    return unstopped(tip.tree, tip.stops, unknown)


def unstopped(tree: str, stops: Sequence[StopLayer], unknown: Collection[str]) -> str:
    """`tree` under its newest stops of `unknown` events (`stops` newest first); a stop the release
    knows ends the peeling: what lies under it was served to the release's writer."""
    for layer in stops:
        if layer.event not in unknown:
            break
        tree = layer.under
    return tree


IN_FORCE_UNREADABLE = (
    "the RolloutPolicy in force (what ring-100 serves) cannot be read, so this release cannot be bounded by it"
)


def selected(
    info: ReleaseInfo,
    touched: Sequence[Touched],
    trailers: Mapping[str, str],
    recorded_stop: bool = False,
    in_force: RolloutPolicy | None = None,
) -> ReleaseInfo:
    """`recorded_stop`: the ledger records this commit as the main edit of `hotswap event stop`.
    `in_force`: the policy ring-100 serves apart from this release; the release's effective policy is
    bounded by it (pipeline.policy_bound) chosen for the same touched files."""
    problems = list(info.problems)
    raw = trailers.get(NOT_BEFORE)
    not_before = None
    try:
        not_before = read_instant(raw) if raw is not None else None
    except InstantError as exc:
        problems.append(f"{NOT_BEFORE}: {exc}")
    # The gates' exemption needs more than the trailer, which anyone can type into a merge: the
    # commit must be a stop the ledger records, and change live events alone.
    stop = recorded_stop and EVENT_STOP in trailers and bool(touched) and all(t.kind == "LiveEvent" for t in touched)
    chosen = replace(info, problems=tuple(problems), not_before=not_before, event_stop=stop)
    if info.policy is None:
        return chosen
    chosen_policy = choose(info.policy, touched, in_force)
    return replace(
        chosen, policy=chosen_policy.policy, strategy_why=chosen_policy.why, policy_bound=chosen_policy.bound
    )
