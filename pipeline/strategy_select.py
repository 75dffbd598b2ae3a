"""Which strategy a release rolls out with, chosen by what it touches (`spec.strategies`). Pure.

Each touched file is covered by the rules whose `match` it meets; an `only` rule covers files only
when EVERY touched file meets it. A file no rule covers, or one an `only` rule would cover but for
other files beside it, is covered by the default (`spec.strategy` and the policy as written). The
release takes the most cautious of the strategies covering its files (`caution`); ties go to the
rule listed first, then the default.

With `only` rules no more cautious than the default (validate insists), adding a touched file never
makes the choice less cautious: an expedited rule can never carry a release that touches anything
else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from pipeline.policy import Region, RolloutPolicy
from pipeline.strategy_names import ALL_AT_ONCE, rank
from pipeline.strategy_rules import StrategyRule


@dataclass(frozen=True)
class Touched:
    """One config file a release changes, relative to `configs/<game>/`, and its document kind
    (None when it cannot be read)."""

    path: str
    kind: str | None = None


@dataclass(frozen=True)
class Selection:
    policy: RolloutPolicy  # the effective policy: the strategy and its overrides applied
    strategy: str
    why: str
    rule: int | None = None  # index in spec.strategies; None: the default


Caution = tuple[int, int, int, timedelta, int]


def caution(policy: RolloutPolicy) -> Caution:
    """Ordered least to most cautious: the strategy (blue-green > canary > expedited), then the
    regions that need an approval, the steps, the minimum duration (longer intervals), the checks.
    An unknown strategy raises UnknownStrategy: validate refuses it before anything is selected."""
    return (
        rank(policy.strategy),
        sum(r.approval for r in policy.regions),
        sum(len(r.steps) for r in policy.regions),
        policy.minimum_duration,
        len(policy.checks),
    )


def apply_rule(base: RolloutPolicy, rule: StrategyRule) -> RolloutPolicy:
    """The policy a release rolls out with under `rule`: a region override wins over the rule's
    `approval` / `analysis.interval`, which win over the policy as written. Blue-green and expedited
    take a region in one step ([100]) unless the region override names its steps."""

    def region(r: Region) -> Region:
        o = rule.region(r.name)
        steps = o.steps or ((100,) if rule.strategy in ALL_AT_ONCE else r.steps)
        interval = o.interval or rule.interval or r.interval
        approval = next((a for a in (o.approval, rule.approval) if a is not None), r.approval)
        return Region(r.name, steps, interval, approval)

    wanted = rule.checks
    checks = base.checks if wanted is None else tuple(c for c in base.checks if c.name in wanted)
    return replace(base, strategy=rule.strategy, regions=tuple(region(r) for r in base.regions), checks=checks)


def label(policy: RolloutPolicy) -> str:
    """`blue-green with approval`, `canary with approval in EU-WEST`, `expedited`."""
    gated = [r.name for r in policy.regions if r.approval]
    if gated and len(gated) == len(policy.regions):
        return f"{policy.strategy} with approval"
    return f"{policy.strategy} with approval in {', '.join(gated)}" if gated else policy.strategy


def _files(touched: Sequence[Touched], limit: int = 3) -> str:
    names = [t.path for t in touched]
    more = f", +{len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _what(rule: StrategyRule, covered: Sequence[Touched]) -> str:
    kinds = [k for k in rule.match.kinds if any(t.kind == k for t in covered)]
    globs = [p for p in rule.match.paths if any(rule.match.covers(t.path, None) for t in covered)]
    return ", ".join(dict.fromkeys((*kinds, *globs)))


def covered_by(rule: StrategyRule, touched: Sequence[Touched]) -> tuple[Touched, ...]:
    """The touched files `rule` covers: those matching it; for an `only` rule, all or none."""
    matching = tuple(t for t in touched if rule.match.covers(t.path, t.kind))
    if rule.match.only and len(matching) != len(touched):
        return ()
    return matching


def select(policy: RolloutPolicy, touched: Iterable[Touched]) -> Selection:
    files = tuple(sorted(set(touched), key=lambda t: t.path))
    rules = policy.strategies
    covers = [covered_by(rule, files) for rule in rules]
    # A file no rule covers goes with the default; so does one an `only` rule matches but, with
    # other files beside it, does not cover.
    uncovered = tuple(t for t in files if not any(r.match.covers(t.path, t.kind) for r in rules))
    held = tuple(
        t
        for t in files
        if any(r.match.only and r.match.covers(t.path, t.kind) and not c for r, c in zip(rules, covers, strict=True))
    )
    effective = {i: apply_rule(policy, rule) for i, (rule, c) in enumerate(zip(rules, covers, strict=True)) if c}
    candidates: list[tuple[Caution, int, RolloutPolicy, int | None]] = [
        (caution(p), -i, p, i) for i, p in effective.items()
    ]
    if uncovered or held or not files:
        candidates.append((caution(policy), -len(rules), policy, None))
    _, _, chosen, index = max(candidates, key=lambda c: (c[0], c[1]))
    if index is None:
        reasons = []
        if uncovered:
            reasons.append(f"no rule covers {_files(uncovered)}")
        if held:
            reasons.append(f"{_files(held)} comes with other changes, so its `only` rule does not apply")
        why = f"{label(chosen)} (the default): {'; '.join(reasons) or 'no config file changed'}"
    else:
        rule, covered = rules[index], covers[index]
        only = "only " if rule.match.only else ""
        why = f"{label(chosen)}: touches {only}{_what(rule, covered)} ({_files(covered)})"
    return Selection(chosen, chosen.strategy, why, index)
