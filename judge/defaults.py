"""The seed's triggers as judge checks: the defaults a policy starts from."""

from __future__ import annotations

from judge.model import CheckSpec

# detect: the effect each check must be able to catch (at its critical tolerance, else its warning
# one) before a step passes on exposure; chosen so a mid-size game's 10% canary gets there within
# a few hours (see README, "How a check is judged").
SEED_CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("churn", "rate", "up", critical=0.05, warning=0.02, detect=0.25, unit="churn events"),
    CheckSpec("crash-rate", "rate", "up", critical=0.10, detect=0.40, unit="crashes"),
    # complaints per player-hour: the promoter passes exposure in player-hours (player-seconds / 3600)
    CheckSpec("complaints", "absolute", "up", critical=0.01, detect=0.5, unit="complaints"),
    CheckSpec("server-health", "mean", "down", critical=0.20, detect=0.35, unit="health samples"),
    CheckSpec("session-duration", "mean", "down", warning=0.10, detect=0.20, unit="sessions"),
    CheckSpec("engagement", "mean", "down", warning=0.15, detect=0.25, unit="engagement samples"),
)
