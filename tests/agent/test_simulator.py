from __future__ import annotations

from pathlib import Path

from prometheus_client import generate_latest

from agent.effects import Effects, effects_of
from agent.simulator import Fleet
from tests.agent.test_agent import RingRepo
from tests.conftest import RunCli


def docs(damage: float = 45, tick: float = 30) -> dict[tuple[str, str], dict[str, object]]:
    return {
        ("GameBalance", "b"): {"weapons": {"rifle": {"damage": damage}}},
        ("Performance", "p"): {"server": {"tickRate": tick}},
    }


def test_a_balanced_config_has_no_effect() -> None:
    assert effects_of(docs(35)) == effects_of(docs(60)) == Effects()


def test_rifle_damage_outside_the_band_raises_churn_and_complaints() -> None:
    e = effects_of(docs(damage=140))  # 80 over the band: imbalance 8
    assert e.churn == 17 and e.complaints == 41
    assert e.engagement < 0.25 and e.session < 0.4
    assert effects_of(docs(damage=25)).churn == 3  # under the band counts too


def test_a_low_tick_rate_raises_latency_and_disconnects() -> None:
    e = effects_of(docs(tick=10))
    assert e.latency == 2 and e.crashes == 4 and e.health_penalty > 0
    assert e.churn == 1


def test_a_harmful_config_moves_metrics_only_on_the_servers_running_it(tmp_path: Path) -> None:
    repo = RingRepo(tmp_path)
    repo.deploy(45, release="good")
    repo.deploy(140, release="bad", ref="refs/heads/deploy/g/NA-WEST/ring-50")
    fleet = Fleet(str(repo.remote), "g", ["NA-WEST"], servers_per_region=20)
    fleet.poll()
    for _ in range(10):
        fleet.tick(1.0)
    text = generate_latest(fleet.registry).decode()
    churn: dict[str, float] = {"good": 0.0, "bad": 0.0}
    servers: dict[str, int] = {"good": 0, "bad": 0}
    for line in text.splitlines():
        if line.startswith("hotswap_players_churned_total{"):
            kind = "bad" if 'config_revision="bad' in line else "good"
            churn[kind] += float(line.rsplit(" ", 1)[1])
            servers[kind] += 1
    assert servers["bad"] > 0 and servers["good"] > 0
    per_bad, per_good = churn["bad"] / servers["bad"], churn["good"] / servers["good"]
    assert 15 < per_bad / per_good < 19  # x17, give or take the noise


def test_hotswap_simulate_rejects_an_empty_fleet(run_cli: RunCli) -> None:
    code, _, err = run_cli(["simulate", "--remote", "/nowhere", "--game", "g", "--servers-per-region", "0"])
    assert code == 2 and "--servers-per-region" in err
