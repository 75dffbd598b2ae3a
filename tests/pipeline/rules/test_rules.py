"""Each semantic rule on plain values: what passes, what fails, and the edges."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pipeline.documents import Document
from pipeline.game import GameView
from pipeline.rules import RULES
from pipeline.schemas import SchemaSet
from tests.conftest import REPO_ROOT
from tests.pipeline.rules.fixtures import POLICY_SPEC, doc


def findings(rule: str, *docs: Document, with_policy: bool = True) -> list[tuple[str, str]]:
    all_docs = (
        (*docs, doc("RolloutPolicy", POLICY_SPEC, "rollout"))
        if with_policy and not any(d.kind == "RolloutPolicy" for d in docs)
        else docs
    )
    view = GameView("g", tuple(all_docs), tuple(all_docs))
    return [(f.path, f.message) for f in RULES[rule](view)]


def loot(mode: str, drops: list[dict[str, Any]]) -> Document:
    return doc("Economy", {"lootTables": {"t": {"mode": mode, "drops": drops}}})


@pytest.mark.parametrize(
    ("probabilities", "ok"),
    [
        ([0.5, 0.5], True),
        ([0.3, 0.3, 0.4], True),
        ([0.5, 0.5 + 5e-7], True),
        ([0.5, 0.5 + 2e-6], False),
        ([0.5, 0.4], False),
        ([1.0], True),
    ],
)
def test_loot_probabilities_sum_to_one_within_tolerance(probabilities: list[float], ok: bool) -> None:
    result = findings("loot-table", loot("probability", [{"item": "a", "probability": p} for p in probabilities]))
    assert (result == []) is ok, result


def test_loot_weights_must_be_positive_and_modes_not_mixed() -> None:
    assert findings("loot-table", loot("weight", [{"item": "a", "weight": 1}])) == []
    assert (
        findings("loot-table", loot("weight", [{"item": "a", "weight": 0}]))[0][0]
        == "$.spec.lootTables.t.drops[0].weight"
    )
    assert (
        "every drop needs a weight" in findings("loot-table", loot("weight", [{"item": "a", "probability": 1}]))[0][1]
    )


def test_battle_pass_tiers_in_order() -> None:
    good = doc("Economy", {"battlePass": {"season": 1, "tiers": [{"tier": 1, "xp": 0}, {"tier": 2, "xp": 5}]}})
    bad = doc("Economy", {"battlePass": {"season": 1, "tiers": [{"tier": 1, "xp": 0}, {"tier": 3, "xp": 5}]}})
    assert findings("battle-pass-tiers", good) == []
    assert findings("battle-pass-tiers", bad)[0][0] == "$.spec.battlePass.tiers[1].tier"


def event(start: str, end: str, regions: list[str]) -> Document:
    return doc("LiveEvent", {"start": start, "end": end, "regions": regions})


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        ("2026-12-01T00:00:00Z", "2026-12-01T00:00:01Z", True),
        ("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", False),  # zero-length event
        ("2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z", False),
        ("2026-02-30T00:00:00Z", "2026-12-01T00:00:00Z", False),  # not a date
    ],
)
def test_event_window(start: str, end: str, ok: bool) -> None:
    assert (findings("event-window", event(start, end, ["NA-WEST"])) == []) is ok


def test_event_regions_must_be_policy_regions() -> None:
    assert (
        findings("event-regions", event("2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", ["NA-WEST", "EU-WEST"])) == []
    )
    ((path, message),) = findings(
        "event-regions", event("2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", ["NA-WEST", "APAC"])
    )
    assert path == "$.spec.regions[1]" and "'APAC'" in message


def matchmaking(bands: list[tuple[int, int]], team: int = 2, players: int = 4, map_players: int = 4) -> Document:
    return doc(
        "Matchmaking",
        {
            "maps": {"m": {"maxPlayers": map_players}},
            "modes": {"duo": {"teamSize": team, "maxPlayers": players, "maps": ["m"]}},
            "skillBands": [{"name": f"b{i}", "min": lo, "max": hi} for i, (lo, hi) in enumerate(bands)],
        },
    )


@pytest.mark.parametrize(
    ("bands", "count"),
    [
        ([(0, 100), (100, 200)], 0),
        ([(100, 200), (0, 100)], 0),
        ([(0, 101), (100, 200)], 1),
        ([(0, 100), (100, 100)], 1),
        ([(50, 10)], 1),
        ([(0, 500), (100, 200), (300, 400)], 2),
    ],
)
def test_skill_bands_min_below_max_and_no_overlap(bands: list[tuple[int, int]], count: int) -> None:
    assert len(findings("matchmaking-bands", matchmaking(bands))) == count


def test_mode_capacity() -> None:
    assert findings("matchmaking-capacity", matchmaking([(0, 1)])) == []
    assert (
        "do not fill teams"
        in findings("matchmaking-capacity", matchmaking([(0, 1)], team=3, players=4, map_players=6))[0][1]
    )
    assert "holds 4" in findings("matchmaking-capacity", matchmaking([(0, 1)], team=2, players=6, map_players=4))[0][1]


def test_references_resolve_across_documents_with_suggestions() -> None:
    balance = doc("GameBalance", {"weapons": {"rifle": {}}}, "balance")
    economy = doc(
        "Economy",
        {
            "lootTables": {
                "t": {"mode": "weight", "drops": [{"weapon": "rifle", "weight": 1}, {"weapon": "rifel", "weight": 1}]}
            }
        },
        "eco",
    )
    ((path, message),) = findings("references", balance, economy)
    assert path == "$.spec.lootTables.t.drops[1].weapon"
    assert message == "unknown weapon 'rifel'; did you mean 'rifle'?"


def test_duplicate_definitions_are_reported_in_every_file() -> None:
    a = doc("Economy", {"items": {"medkit": {}}}, "a")
    b = doc("Economy", {"items": {"medkit": {}}}, "b")
    assert [p for p, _ in findings("duplicate-definition", a, b)] == ["$.spec.items.medkit", "$.spec.items.medkit"]


def test_duplicate_names() -> None:
    assert len(findings("duplicate-name", doc("GameBalance", {}, "w"), doc("GameBalance", {}, "w"))) == 2
    assert findings("duplicate-name", doc("GameBalance", {}, "w"), doc("Economy", {}, "w")) == []


def policy(**changes: Any) -> Document:
    return doc("RolloutPolicy", {**POLICY_SPEC, **changes}, "rollout")


def test_policy_present_exactly_once() -> None:
    balance = doc("GameBalance", {"weapons": {}})
    assert "has no RolloutPolicy" in findings("policy-present", balance, with_policy=False)[0][1]
    assert findings("policy-present", balance) == []
    assert "more than one" in findings("policy-present", policy(), doc("RolloutPolicy", POLICY_SPEC, "other"))[0][1]


@pytest.mark.parametrize(
    ("rings", "count"), [([10, 50, 100], 0), ([100], 0), ([50, 10, 100], 1), ([10, 50], 1), ([10, 10, 100], 1)]
)
def test_policy_rings(rings: list[int], count: int) -> None:
    assert len(findings("policy-rings", policy(rings=rings))) == count


@pytest.mark.parametrize(
    ("steps", "count"), [([10, 50, 100], 0), ([100], 0), ([10, 30, 100], 1), ([50, 10, 100], 1), ([10, 50], 1)]
)
def test_policy_steps(steps: list[int], count: int) -> None:
    regions = [{"name": "NA-WEST", "steps": steps, "interval": "PT1M"}]
    assert len(findings("policy-steps", policy(regions=regions))) == count


def test_blue_green_switches_at_once() -> None:
    assert (
        findings(
            "policy-steps",
            policy(strategy="blue-green", regions=[{"name": "NA-WEST", "steps": [100], "interval": "PT1M"}]),
        )
        == []
    )
    assert len(findings("policy-steps", policy(strategy="blue-green"))) == 1


def test_policy_regions_unique() -> None:
    twice = [{"name": "NA-WEST", "steps": [100], "interval": "PT1M"}] * 2
    assert findings("policy-regions", policy(regions=twice))[0][0] == "$.spec.regions[1].name"


@pytest.mark.parametrize(
    ("interval", "ok"),
    [("PT30M", True), ("P1DT2H", True), ("PT0.5S", True), ("PT0S", False), ("P1Y", False), ("30m", False)],
)
def test_policy_interval(interval: str, ok: bool) -> None:
    regions = [{"name": "NA-WEST", "steps": [100], "interval": interval}]
    assert (findings("policy-interval", policy(regions=regions)) == []) is ok


def check(**fields: Any) -> Document:
    return policy(analysis={"checks": [{"name": "c", "query": "q", **fields}]})


def test_policy_checks() -> None:
    assert "judges nothing" in findings("policy-checks", check())[0][1]
    assert "no baseline query" in findings("policy-checks", check(critical={"relativeDecrease": 0.2}))[0][1]
    assert findings("policy-checks", check(critical={"above": 0.01})) == []
    # a warning at or beyond the critical threshold can never fire first: a warning-level finding
    result = RULES["policy-checks"](GameView("g", (check(critical={"above": 1}, warning={"above": 1}),), ()))
    assert [f.severity for f in result] == ["warning"]
    assert findings("policy-checks", check(critical={"below": 1}, warning={"below": 2})) == []
    assert len(findings("policy-checks", check(critical={"below": 2}, warning={"below": 1}))) == 1


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ('x{r="{{revision}}"}[{{interval}}]', 0),
        ("{{ game }}", 0),
        ("{{revison}}", 1),
        ("{{variant}}", 1),
        ("x{{revision}", 1),
        ("{{ }}", 1),
    ],
)
def test_query_variables(query: str, count: int) -> None:
    assert (
        len(
            findings(
                "query-variables",
                check(critical={"above": 1})
                if False
                else policy(analysis={"checks": [{"name": "c", "query": query, "critical": {"above": 1}}]}),
            )
        )
        == count
    )


JUDGED_SPEC: dict[str, Any] = {
    "strategy": "canary",
    "rings": [10, 50, 90, 100],
    "regions": [
        {"name": "NA-WEST", "steps": [10, 50, 90, 100], "interval": "PT30M"},
        {"name": "EU-WEST", "steps": [90, 100], "interval": "PT1H"},
    ],
    "analysis": {
        "judge": {"maxDuration": "PT12H"},
        "exposure": {"counter": "hotswap_player_seconds_total", "minimum": 50},
        "checks": [
            {
                "name": "churn",
                "test": "rate",
                "events": "hotswap_players_churned_total",
                "critical": {"relativeIncrease": 0.05},
                "warning": {"relativeIncrease": 0.02},
                "detect": 0.25,
            },
            {
                "name": "complaints",
                "test": "absolute",
                "events": "hotswap_player_complaints_total",
                "critical": {"above": 0.01},
            },
            {
                "name": "session",
                "test": "mean",
                "sum": "s_sum",
                "count": "s_count",
                "squares": "s_squares_total",
                "warning": {"relativeDecrease": 0.1},
            },
            {"name": "health", "test": "mean", "gauge": "hotswap_server_health", "critical": {"relativeDecrease": 0.2}},
        ],
    },
}


def judged(check: dict[str, Any] | None = None, **analysis: Any) -> Document:
    """The new-form policy, with the first check replaced and analysis fields changed."""
    spec = copy.deepcopy(JUDGED_SPEC)
    if check is not None:
        spec["analysis"]["checks"][0] = check
    spec["analysis"].update(analysis)
    return doc("RolloutPolicy", spec, "rollout")


def test_new_form_checks_are_valid_and_old_relative_ones_warned() -> None:
    for rule in ("policy-judge", "policy-holdback", "policy-detect", "policy-checks", "query-variables"):
        assert findings(rule, judged()) == [], rule
    ((path, message),) = findings("policy-judge", policy())
    assert path == "$.spec.analysis.checks[0]"
    assert message == "check 'churn' compares two point values; use test: rate or mean"
    assert RULES["policy-judge"](GameView("g", (policy(),), ()))
    assert all(f.severity == "warning" for f in RULES["policy-judge"](GameView("g", (policy(),), ())))


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"test": "rate", "critical": {"relativeIncrease": 0.05}}, "a rate check needs events"),
        ({"test": "mean", "sum": "a", "warning": {"relativeDecrease": 0.1}}, "needs sum + count + squares or gauge"),
        (
            {
                "test": "mean",
                "sum": "a",
                "count": "b",
                "squares": "c",
                "gauge": "g",
                "critical": {"relativeDecrease": 0.1},
            },
            "needs sum + count + squares or gauge",
        ),
        (
            {"test": "rate", "events": "e", "gauge": "g", "critical": {"relativeIncrease": 0.1}},
            "a rate check has no gauge",
        ),
        (
            {"test": "rate", "events": "e", "critical": {"above": 0.1}},
            "takes relativeIncrease or relativeDecrease, not above",
        ),
        (
            {"test": "absolute", "events": "e", "critical": {"relativeIncrease": 0.1}},
            "takes above or below, not relativeIncrease",
        ),
        (
            {
                "test": "rate",
                "events": "e",
                "critical": {"relativeIncrease": 0.1},
                "warning": {"relativeDecrease": 0.1},
            },
            "critical and warning must point the same way",
        ),
        (
            {"test": "rate", "events": "e", "critical": {"relativeIncrease": 0.3}, "detect": 0.25},
            "detect 0.25 must lie beyond its tolerance 0.3",
        ),
        (
            {"test": "mean", "gauge": "g", "critical": {"relativeDecrease": 0.2}, "detect": 1.5},
            "relative decrease (detect) must be below 100%",
        ),
        (
            {"test": "rate", "events": "e", "query": "q", "critical": {"relativeIncrease": 0.1}},
            "names metrics, not a query",
        ),
        ({"query": "q", "events": "e", "critical": {"above": 1}}, "events needs a test"),
    ],
)
def test_policy_judge_refuses_malformed_checks(check: dict[str, Any], expected: str) -> None:
    found = findings("policy-judge", judged({"name": "churn", **check}))
    assert any(expected in message for _, message in found), found


def test_max_duration_must_be_longer_than_zero_and_a_zero_interval_is_left_to_policy_interval() -> None:
    assert findings("policy-judge", judged(judge={"maxDuration": "PT0S"})) == [
        ("$.spec.analysis.judge.maxDuration", "maxDuration 'PT0S' must be longer than zero")
    ]
    spec = copy.deepcopy(JUDGED_SPEC)
    spec["regions"][0]["interval"] = "PT0S"
    spec["analysis"]["checks"][0]["expected"] = 2000
    assert findings("policy-detect", doc("RolloutPolicy", spec, "rollout")) == []


def test_rate_and_absolute_checks_need_the_exposure_counter() -> None:
    found = findings("policy-judge", judged(exposure={"query": "sum(x)", "minimum": 1}))
    assert [m for _, m in found if "exposure.counter" in m] == [
        "check 'churn': a rate check needs analysis.exposure.counter (player-seconds)",
        "check 'complaints': a absolute check needs analysis.exposure.counter (player-seconds)",
    ]


@pytest.mark.parametrize("name", ["rate(x[5m])", 'x{game="a"}', "x or vector(1)", "1abc"])
def test_metric_names_are_names_never_promql(name: str) -> None:
    check = {"name": "churn", "test": "rate", "events": name, "critical": {"relativeIncrease": 0.05}}
    found = SchemaSet.from_dir(REPO_ROOT / "schemas").check(judged(check))
    assert [f.path for f in found] == ["$.spec.analysis.checks[0].events"], found


def test_a_region_without_a_holdback_step_is_warned() -> None:
    spec = copy.deepcopy(JUDGED_SPEC)
    spec["regions"][1]["steps"] = [100]
    found = RULES["policy-holdback"](GameView("g", (doc("RolloutPolicy", spec, "rollout"),), ()))
    ((finding,),) = [list(found)]
    assert finding.severity == "warning" and finding.path == "$.spec.regions[1].steps"
    assert "EU-WEST: no step below 100, so churn, session, health cannot judge it" in finding.message


def test_blue_green_needs_no_holdback_step_its_green_pool_is_judged_against_blue() -> None:
    spec = copy.deepcopy(JUDGED_SPEC)
    spec["strategy"] = "blue-green"
    for region in spec["regions"]:
        region["steps"] = [100]
    assert list(RULES["policy-holdback"](GameView("g", (doc("RolloutPolicy", spec, "rollout"),), ()))) == []


def test_an_unreachable_detect_effect_is_refused_with_the_arithmetic() -> None:
    small = {**JUDGED_SPEC["analysis"]["checks"][0], "expected": 2000}  # 200 at the 10% canary
    assert findings("policy-detect", judged(small)) == []  # ~6.2 intervals of 30 minutes, within 12 hours
    found = findings("policy-detect", judged(small, judge={"maxDuration": "PT1H"}))
    assert [path for path, _ in found] == ["$.spec.analysis.checks[0].expected"] * 2  # NA-WEST/10 and EU-WEST/90
    assert found[0][1] == (
        "NA-WEST/10%: churn: catching +25% against the +5% tolerance with power 0.99 at alpha 0.0013"
        " needs information 1331 (~1243 churn events); at 200 churn events per interval"
        " (information 214.2) that is 6.2 intervals, more than maxDuration allows (2 intervals)"
    )


def experiment(weights: list[int], override: str = "weapons.rifle.damage", target: str = "balance") -> Document:
    variants = [{"name": f"v{i}", "weight": w} for i, w in enumerate(weights)]
    variants[-1]["overrides"] = {override: 1}
    return doc(
        "Experiment",
        {
            "target": {"kind": "GameBalance", "name": target},
            "variants": variants,
            "metric": {"name": "m", "query": "{{variant}}", "goal": "increase"},
            "duration": "P7D",
        },
        "exp",
    )


def test_experiment_variants_and_target() -> None:
    balance = doc("GameBalance", {"weapons": {"rifle": {"damage": 1}}}, "balance")
    assert findings("experiment-variants", experiment([50, 50])) == []
    assert "sum to 110" in findings("experiment-variants", experiment([50, 60]))[0][1]
    assert findings("experiment-target", balance, experiment([50, 50])) == []
    assert "names nothing" in findings("experiment-target", balance, experiment([50, 50], "weapons.rifel.damage"))[0][1]
    assert (
        "no GameBalance config named 'nope'"
        in findings("experiment-target", balance, experiment([50, 50], target="nope"))[0][1]
    )
    assert findings("query-variables", experiment([50, 50])) == []


def test_strategy_and_freeze_rules_more_in_test_strategy_rules() -> None:
    expedited = {"match": {"kinds": ["LiveEvent"]}, "strategy": "expedited"}
    assert (
        "only: true"
        in findings("policy-strategies", doc("RolloutPolicy", {**POLICY_SPEC, "strategies": [expedited]}))[0][1]
    )
    window = {"start": "2026-12-24T00:00:00Z", "end": "2026-12-20T00:00:00Z", "reason": "x"}
    assert (
        "before it starts" in findings("policy-freeze", doc("RolloutPolicy", {**POLICY_SPEC, "freeze": [window]}))[0][1]
    )


def test_a_switch_lead_at_the_agents_cap_is_refused_more_in_test_switch_lead() -> None:
    def lead(value: str) -> list[tuple[str, str]]:
        return findings("policy-switch-lead", doc("RolloutPolicy", {**POLICY_SPEC, "blueGreen": {"switchLead": value}}))

    assert lead("PT9M") == []
    ((path, message),) = lead("PT15M")
    assert path == "$.spec.blueGreen.switchLead" and "at most 540 s" in message


def test_an_unknown_strategy_is_a_finding_at_its_field() -> None:
    rule = {"match": {"kinds": ["LiveEvent"], "only": True}, "strategy": "rolling"}
    policy = doc("RolloutPolicy", {**POLICY_SPEC, "strategy": "trickle", "strategies": [rule]})
    found = findings("policy-strategy", policy)
    assert [path for path, _ in found] == ["$.spec.strategy", "$.spec.strategies[0].strategy"]
    assert "unknown strategy 'trickle': one of expedited, canary, blue-green" in found[0][1]
    assert findings("policy-strategy", doc("RolloutPolicy", POLICY_SPEC)) == []
    assert findings("policy-strategies", policy) == []  # no caution to compare with an unknown name


def test_every_rule_is_tested_here() -> None:
    import pathlib

    text = pathlib.Path(__file__).read_text()
    assert [rule for rule in RULES if f'"{rule}"' not in text] == []
