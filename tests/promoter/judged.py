"""A game judged by the sequential tests: its policy, counter rates that feed the judge, a bootstrapped start."""

from __future__ import annotations

from pathlib import Path

from promoter.reconcile import Reconciler
from tests.conftest import git
from tests.promoter.fixtures import Fleet, GameRepo, bootstrap, make_game_repo

JUDGED_POLICY = """apiVersion: hotswap/v1
kind: RolloutPolicy
metadata: {{name: rollout, game: {game}, version: 1.0.0}}
spec:
  strategy: canary
  rings: [10, 90, 100]
  regions:
    - {{name: NA-WEST, steps: [10, 90, 100], interval: PT3S}}
    - {{name: EU-WEST, steps: [90, 100], interval: PT3S{approval}}}
  analysis:
    inconclusiveLimit: 5
    errorLimit: 2
    judge: {{confidence: 0.99, power: 0.9, maxDuration: PT8S}}
    exposure: {{counter: hotswap_player_seconds_total, minimum: 1}}
    checks:
      - name: churn
        test: rate
        events: hotswap_players_churned_total
        critical: {{relativeIncrease: 0.05}}
        warning: {{relativeIncrease: 0.02}}
      - name: complaints
        test: absolute
        events: hotswap_player_complaints_total
        critical: {{above: 0.01}}
"""


# ~28,000 player-hours a second: enough for complaints to pass at the first evaluation of a step
PLAYER_SECONDS = 1e8


BUSY = {"player_seconds": PLAYER_SECONDS, "churned": 1000.0, "complaints": 50.0}  # ~3,000 churn events a step


QUIET = {"player_seconds": PLAYER_SECONDS, "churned": 2.0, "complaints": 50.0}  # ~6: the churn check holds


def start(
    tmp_path: Path, fleet: Fleet, game: str, rates: dict[str, float], policy: str = JUDGED_POLICY
) -> tuple[GameRepo, Reconciler, str]:
    """A game repository with `policy`, counters at `rates` for its first commit, bootstrapped."""
    repo = make_game_repo(tmp_path, game, policy=policy)
    first = git(repo.work, "rev-parse", "HEAD")
    fleet.count(game, first, **rates)
    return repo, bootstrap(tmp_path, repo, fleet.url), first


# Economy releases go blue-green, every other release canary.
ECONOMY_BLUE_GREEN_POLICY = JUDGED_POLICY.replace(
    "  strategy: canary\n",
    "  strategy: canary\n  blueGreen: {{switchLead: PT1S}}\n"
    "  strategies:\n    - {{name: economy, match: {{kinds: [Economy]}}, strategy: blue-green}}\n",
)
ECONOMY = """apiVersion: hotswap/v1
kind: Economy
metadata: {{name: shop, game: {game}, version: 1.0.0}}
spec:
  items:
    horn-duck: {{type: cosmetic, rarity: common}}
  store:
    - {{id: sku-horn-duck, item: horn-duck, price: {{soft: {price}}}}}
"""
