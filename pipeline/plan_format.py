"""Text, JSON and markdown renderings of a Plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from contract.instants import format_instant
from pipeline.durations import format_duration
from pipeline.hold_times import Holds, RegionHolds, as_json, holds
from pipeline.plan import GamePlan, Plan
from pipeline.policy import Check, RolloutPolicy
from pipeline.strategy_names import display

FORMAT_VERSION = 1


def _thresholds(check: Check) -> str:
    parts = []
    if check.critical:
        parts.append(f"critical {check.critical.describe()}")
    if check.warning:
        parts.append(f"warning {check.warning.describe()}")
    return ", ".join(parts)


def _region_holds(region: RegionHolds, p: RolloutPolicy) -> str:
    """Per step the intervals it is expected to hold (the time too when more than one); a hold past
    maxDuration says the step would pause there."""
    longest = format_duration(p.judge.max_duration)
    parts = []
    for hold in region.steps:
        if hold.intervals is None:
            parts.append(f"{hold.step}% cannot pass on exposure" if hold.beyond_max else f"{hold.step}% ?")
            continue
        text = f"{hold.step}% {hold.intervals}"
        if hold.intervals > 1 or not parts:
            text += f" interval{'s' if hold.intervals > 1 else ''} ({format_duration(region.interval * hold.intervals)}"
            text += f", beyond maxDuration {longest}: pauses as inconclusive)" if hold.beyond_max else ")"
        parts.append(text)
    return ", ".join(parts)


def _holds_text(h: Holds, region: RegionHolds, p: RolloutPolicy) -> str:
    if h.unpaced:
        return f"     expected holds: depend on traffic (no expected pace for {', '.join(h.unpaced)})"
    return f"     expected holds: {_region_holds(region, p)}"


def _minimum_text(h: Holds, p: RolloutPolicy) -> str:
    floor = format_duration(p.minimum_duration)
    if not h.judged:
        return floor
    if h.pauses:
        return f"{floor} plus holds; expected to hold past maxDuration and pause: {', '.join(h.pauses)}"
    expected = h.duration
    if expected is None:
        return f"{floor} plus holds that depend on traffic"
    return f"{format_duration(expected)} with the expected holds ({floor} without)"


def _schedule(g: GamePlan) -> list[str]:
    """Why the strategy, when the rollout may start, and the freeze windows it would cross."""
    lines = [f"chosen: {g.strategy_why}"] if g.strategy_why else []
    if g.not_before is not None:
        lines.append(f"scheduled: not before {format_instant(g.not_before)}")
    if g.freezes:
        lines.append("freeze windows within its minimum duration (no step advances in them):")
        lines += [f"  - {format_instant(w.start)} → {format_instant(w.end)}: {w.reason}" for w in g.freezes]
    return lines


def _schedule_markdown(g: GamePlan) -> list[str]:
    lines = [f"**Strategy:** {g.strategy_why}", ""] if g.strategy_why else []
    if g.not_before is not None:
        lines += [f"**Scheduled:** not before {format_instant(g.not_before)}.", ""]
    if g.freezes:
        lines += ["**Freeze windows** within its minimum duration (no step advances in them):", ""]
        lines += [f"- {format_instant(w.start)} → {format_instant(w.end)}: {w.reason}" for w in g.freezes] + [""]
    return lines


def _game_text(g: GamePlan) -> list[str]:
    base = g.base[:12] if g.base else "(new game)"
    lines = [f"{g.game}: {len(g.files)} file(s) changed since {base} ({g.base_label})"]
    lines += [f"  {f}" for f in g.files]
    if g.problem:
        lines.append(f"  ! {g.problem}")
    p = g.policy
    if p is None:
        return lines
    lines.append(f"  strategy {display(p.strategy)}; rings {'/'.join(map(str, p.rings))}")
    lines += [f"  {line}" for line in _schedule(g)]
    h = holds(p)
    for number, (region, held) in enumerate(zip(p.regions, h.regions, strict=True), 1):
        gate = ", approval required" if region.approval else ""
        steps = " → ".join(f"{s}%" for s in region.steps)
        lines.append(f"  {number}. {region.name}: {steps}, {format_duration(region.interval)} per step{gate}")
        if h.judged:
            lines.append(_holds_text(h, held, p))
    lines.append("  checks at every step:")
    lines += [f"    - {c.name}: {_thresholds(c)}" for c in p.checks]
    approvals = [r.name for r in p.regions if r.approval]
    extra = f" plus approval for {', '.join(approvals)}" if approvals else ""
    lines.append(f"  minimum time to 100% everywhere: {_minimum_text(h, p)}{extra}")
    return lines


def to_text(plan: Plan) -> str:
    if not plan.games:
        return f"no game configs change at {plan.head[:12]}: nothing to roll out\n"
    lines: list[str] = [f"rollout plan for {plan.head[:12]}: {len(plan.games)} game(s)"]
    for g in plan.games:
        lines += _game_text(g)
    return "\n".join(lines) + "\n"


def as_dict(plan: Plan) -> dict[str, Any]:
    games = []
    for g in plan.games:
        p = g.policy
        entry: dict[str, Any] = {
            "game": g.game,
            "base": g.base,
            "baseLabel": g.base_label,
            "files": list(g.files),
            "problem": g.problem,
            "strategy": None,
            "stages": [],
            "checks": [],
            "minimumSeconds": None,
            "expectedSeconds": None,
        }
        if p is not None:
            h = holds(p)
            expected = h.duration
            entry.update(
                strategy=p.strategy,
                strategyWhy=g.strategy_why,
                policyBound=g.policy_bound or None,
                notBefore=format_instant(g.not_before) if g.not_before else None,
                freezes=[
                    {"start": format_instant(w.start), "end": format_instant(w.end), "reason": w.reason}
                    for w in g.freezes
                ],
                rings=list(p.rings),
                stages=[
                    {
                        "region": r.name,
                        "steps": list(r.steps),
                        "intervalSeconds": r.interval.total_seconds(),
                        "approval": r.approval,
                        "expectedIntervals": as_json(held),  # per step; null when it depends on traffic
                    }
                    for r, held in zip(p.regions, h.regions, strict=True)
                ],
                checks=[
                    {
                        "name": c.name,
                        "baseline": c.baseline is not None,
                        "critical": {"op": c.critical.op, "value": c.critical.value} if c.critical else None,
                        "warning": {"op": c.warning.op, "value": c.warning.value} if c.warning else None,
                    }
                    for c in p.checks
                ],
                minimumSeconds=p.minimum_duration.total_seconds(),
                expectedSeconds=expected.total_seconds() if expected is not None else None,
            )
        games.append(entry)
    return {"version": FORMAT_VERSION, "head": plan.head, "ok": plan.ok, "games": games}


def to_json(plan: Plan) -> str:
    return json.dumps(as_dict(plan), indent=2) + "\n"


def to_markdown(plan: Plan) -> str:
    lines = [f"### Rollout plan for `{plan.head[:12]}`", ""]
    if not plan.games:
        return "\n".join([*lines, "No game configs change: nothing to roll out.", ""])
    for g in plan.games:
        base = f"`{g.base[:12]}`" if g.base else "(new game)"
        lines += [f"#### {g.game}", "", f"{len(g.files)} file(s) changed since {base} ({g.base_label}).", ""]
        if g.problem:
            lines += [f"> ⚠️ {g.problem}", ""]
        p = g.policy
        if p is None:
            continue
        lines += _schedule_markdown(g)
        lines += ["| # | Region | Steps | Interval | Approval |", "| --- | --- | --- | --- | --- |"]
        for number, r in enumerate(p.regions, 1):
            steps = " → ".join(f"{s}%" for s in r.steps)
            lines.append(
                f"| {number} | {r.name} | {steps} | {format_duration(r.interval)} | {'required' if r.approval else '—'} |"
            )
        lines += ["", "Checks: " + "; ".join(f"**{c.name}** {_thresholds(c)}" for c in p.checks), ""]
        h = holds(p)
        if h.judged and h.unpaced:
            lines += [f"Expected holds depend on traffic (no expected pace for {', '.join(h.unpaced)}).", ""]
        elif h.judged:
            lines += [f"Expected holds in {r.region}: {_region_holds(r, p)}.  " for r in h.regions] + [""]
        lines += [f"Minimum time to 100% everywhere: **{_minimum_text(h, p)}**", ""]
    return "\n".join(lines)


FORMATS: dict[str, Callable[[Plan], str]] = {"text": to_text, "json": to_json, "markdown": to_markdown}
