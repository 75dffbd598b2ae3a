"""Rollout strategies, keyed by the RolloutPolicy's `strategy` value. decide asks the policy's
strategy what stages exist, which refs a stage writes, where a release stands and what a rollback
reverts; it keeps the rest (the ledger record, approvals, verdicts, rollback) for every strategy."""

from __future__ import annotations

from pipeline.policy import RolloutPolicy
from pipeline.strategy_names import STRATEGY_NAMES, strategy_name
from promoter.strategies.base import Position, Stage, Strategy
from promoter.strategies.bluegreen import BlueGreen
from promoter.strategies.canary import Canary
from promoter.strategies.expedited import Expedited

_IMPLEMENTATIONS: dict[str, Strategy] = {s.name: s for s in (Canary(), BlueGreen(), Expedited())}
# Keyed by the one registry of names (pipeline.strategy_names): a name it holds with no
# implementation fails here, at import, not in a rollout.
STRATEGIES: dict[str, Strategy] = {name: _IMPLEMENTATIONS[name] for name in STRATEGY_NAMES}


def step_label(policy: RolloutPolicy | None, step: int | None) -> str:
    """How a person reads a ledger step: `10%` (canary), `green` / `switch` (blue-green), `expedited`."""
    if policy is not None:
        labels = {s.step: s.label for stages in strategy_of(policy).stages(policy) for s in stages}
        if step in labels:
            return labels[step]
    return f"{step}%"


def strategy_of(policy: RolloutPolicy) -> Strategy:
    """The policy's strategy. An unknown name (a schema of the repository's own may allow one) raises
    UnknownStrategy: validate reports it as a finding, so such a release never rolls out."""
    return STRATEGIES[strategy_name(policy.strategy).name]


__all__ = ["STRATEGIES", "Position", "Stage", "Strategy", "step_label", "strategy_of"]
