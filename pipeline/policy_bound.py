"""The policy a release rolls out with when it edits its own RolloutPolicy. Pure.

A release cannot loosen the rules it is judged by: its effective policy is bounded by the policy in
force (what ring-100 serves, with its strategy chosen for what the release touches) and the policy
it brings, field by field, each time taking the more cautious:

- freeze windows: the union; notBefore: the later;
- strategy: the higher rank (pipeline.strategy_names);
- per region: approval required if either requires it; steps the union, within the served `rings`;
  the longer interval; a region either names is kept;
- checks: the union by name, with the stricter tolerance where both name a check; a check whose
  reading the release changes (its test, query, baseline or metric names) is judged as in force;
- how a step is judged: the lower inconclusive and error limits, the higher exposure minimum, the
  exposure query and counter in force, the higher confidence and power, the shorter maxDuration;
- `rings`: the served ones; a change of rings applies from the next release.

What the release changes in how it is read (a check's query, the exposure counter) applies from the
next release, as a change of rings does: a release is never the judge of itself.

The way out of a mistaken freeze is `hotswap approve --lift-freeze`, never a release that deletes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from contract.instants import format_instant
from pipeline.policy import Check, JudgeSettings, Region, RolloutPolicy, Threshold
from pipeline.strategy_names import rank
from pipeline.strategy_select import Touched, label, select

# What a check reads: a release that changes any of these is judged by the check in force.
_READING = ("test", "query", "baseline", "events", "sum", "count", "squares", "gauge")
# The direction a threshold calls worse, and whether a lower value is the stricter one.
_WORSE = {"above": "up", "relativeIncrease": "up", "below": "down", "relativeDecrease": "down"}
_LOWER_IS_STRICTER = {"above": True, "relativeIncrease": True, "relativeDecrease": True, "below": False}


@dataclass(frozen=True)
class Bound:
    policy: RolloutPolicy
    kept: tuple[str, ...] = ()  # what the policy in force kept, in words; empty: the release's stands

    @property
    def note(self) -> str:
        """`policy bounded by the one in force: freeze kept, strategy blue-green`, or ""."""
        return f"policy bounded by the one in force: {', '.join(self.kept)}" if self.kept else ""


def bound(served: RolloutPolicy, brought: RolloutPolicy) -> Bound:
    """`brought` (the release's effective policy) bounded by `served` (the one in force)."""
    strategy = served.strategy if rank(served.strategy) > rank(brought.strategy) else brought.strategy
    mine = {r.name: r for r in brought.regions}
    theirs = {r.name: r for r in served.regions}
    names = [*mine, *(n for n in theirs if n not in mine)]
    regions = tuple(_region(theirs.get(n), mine.get(n), served.rings) for n in names)
    later = [t for t in (served.not_before, brought.not_before) if t is not None]
    policy = replace(
        brought,
        strategy=strategy,
        rings=served.rings,
        regions=regions,
        checks=_checks(served.checks, brought.checks),
        freeze=(*brought.freeze, *(w for w in served.freeze if w not in brought.freeze)),
        not_before=max(later) if later else None,
        inconclusive_limit=min(served.inconclusive_limit, brought.inconclusive_limit),
        error_limit=min(served.error_limit, brought.error_limit),
        exposure_query=served.exposure_query or brought.exposure_query,
        exposure_minimum=max(served.exposure_minimum, brought.exposure_minimum),
        exposure_counter=served.exposure_counter or brought.exposure_counter,
        judge=JudgeSettings(
            confidence=max(served.judge.confidence, brought.judge.confidence),
            power=max(served.judge.power, brought.judge.power),
            max_duration=min(served.judge.max_duration, brought.judge.max_duration),
        ),
    )
    return Bound(policy, _kept(brought, policy))


@dataclass(frozen=True)
class Chosen:
    """The effective policy of a release, why it has its strategy, and the bound's note ("" if none)."""

    policy: RolloutPolicy
    why: str
    bound: str = ""


def choose(policy: RolloutPolicy, touched: Iterable[Touched], in_force: RolloutPolicy | None) -> Chosen:
    """The release's strategy chosen by what it touches (pipeline.strategy_select), bounded by the
    policy in force chosen for the same files. `in_force` None: nothing is served yet."""
    files = tuple(touched)
    selection = select(policy, files)
    if in_force is None:
        return Chosen(selection.policy, selection.why)
    limit = bound(select(in_force, files).policy, selection.policy)
    if not limit.kept:
        return Chosen(selection.policy, selection.why)
    return Chosen(limit.policy, f"{label(limit.policy)}: {limit.note} (the release alone: {selection.why})", limit.note)


def _region(served: Region | None, brought: Region | None, rings: tuple[int, ...]) -> Region:
    both = [r for r in (served, brought) if r is not None]
    steps = tuple(sorted({s for r in both for s in r.steps if s in rings}))
    return Region(
        both[0].name,
        steps if steps and steps[-1] == 100 else (*steps, 100),
        max(r.interval for r in both),
        any(r.approval for r in both),
    )


def _checks(served: tuple[Check, ...], brought: tuple[Check, ...]) -> tuple[Check, ...]:
    theirs = {c.name: c for c in served}
    mine = {c.name for c in brought}
    kept = tuple(_stricter(theirs[c.name], c) if c.name in theirs else c for c in brought)
    return kept + tuple(c for c in served if c.name not in mine)


def _stricter(served: Check, brought: Check) -> Check:
    """The release's check with the stricter of each tolerance. Checks that cannot be compared (another
    test, or tolerances pointing other ways) keep the one in force; the release's applies next time."""
    pairs = ((served.critical, brought.critical), (served.warning, brought.warning))
    levels = [t for pair in pairs for t in pair if t is not None]
    same_ops = all(a is None or b is None or a.op == b.op for a, b in pairs)
    reads_otherwise = any(getattr(served, field) != getattr(brought, field) for field in _READING)
    if reads_otherwise or not same_ops or len({_WORSE[t.op] for t in levels}) > 1:
        return served
    detects = [d for d in (served.detect, brought.detect) if d is not None]
    return replace(
        brought,
        critical=_tighter(*pairs[0]),
        warning=_tighter(*pairs[1]),
        detect=min(detects) if detects else None,
    )


def _tighter(a: Threshold | None, b: Threshold | None) -> Threshold | None:
    if a is None or b is None:
        return a or b
    lower = _LOWER_IS_STRICTER[a.op]
    return Threshold(a.op, min(a.value, b.value) if lower else max(a.value, b.value))


def _kept(brought: RolloutPolicy, policy: RolloutPolicy) -> tuple[str, ...]:
    """What the bound changed in the release's own policy, as plan and status say it."""
    kept: list[str] = []
    if policy.freeze != brought.freeze:
        kept.append("freeze kept")
    if policy.not_before is not None and policy.not_before != brought.not_before:
        kept.append(f"notBefore {format_instant(policy.not_before)}")
    if policy.strategy != brought.strategy:
        kept.append(f"strategy {policy.strategy}")
    mine = {r.name: r for r in brought.regions}
    added = [r.name for r in policy.regions if r.name not in mine]
    if added:
        kept.append(f"regions {', '.join(added)}")
    for field in ("approval", "steps", "interval"):
        where = [r.name for r in policy.regions if r.name in mine and getattr(r, field) != getattr(mine[r.name], field)]
        if where:
            kept.append(f"{field} in {', '.join(where)}")
    changed = [c.name for c in policy.checks if c not in brought.checks]
    if changed:
        kept.append(f"checks {', '.join(changed)}")
    judged = [
        name
        for name, field in (
            ("inconclusiveLimit", "inconclusive_limit"),
            ("errorLimit", "error_limit"),
            ("exposure", "exposure_query"),
            ("exposure minimum", "exposure_minimum"),
            ("exposure counter", "exposure_counter"),
            ("judge", "judge"),
        )
        if getattr(policy, field) != getattr(brought, field)
    ]
    if judged:
        kept.append(f"{', '.join(judged)} as in force")
    if policy.rings != brought.rings:
        kept.append(f"rings {list(policy.rings)} (a change of rings applies from the next release)")
    return tuple(kept)
