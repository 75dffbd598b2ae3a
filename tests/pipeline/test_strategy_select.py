"""Choosing a strategy by what a release touches: plain policies and touched files, no git."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.globs import glob_match
from pipeline.policy import RolloutPolicy, policy_from_spec
from pipeline.strategy_select import Touched, caution, select
from tests.pipeline.fixtures import shipped_policy

BASE: dict[str, Any] = {
    "strategy": "canary",
    "rings": [10, 50, 100],
    "regions": [
        {"name": "NA-WEST", "steps": [10, 50, 100], "interval": "PT30M"},
        {"name": "EU-WEST", "steps": [100], "interval": "PT1H"},
    ],
    "analysis": {
        "checks": [
            {"name": "churn", "test": "rate", "events": "c", "critical": {"relativeIncrease": 0.05}},
            {"name": "crashes", "test": "rate", "events": "k", "critical": {"relativeIncrease": 0.1}},
        ]
    },
}

ECONOMY = Touched("economy/items.yaml", "Economy")
LOOT = Touched("economy/loot.yaml", "Economy")
EVENT = Touched("events/winter.yaml", "LiveEvent")
WEAPONS = Touched("balance/weapons.yaml", "GameBalance")


def policy(*rules: dict[str, Any], **spec: Any) -> RolloutPolicy:
    raw = copy.deepcopy(BASE)
    raw.update(spec)
    if rules:
        raw["strategies"] = list(rules)
    return policy_from_spec("g", raw)


@pytest.mark.parametrize(
    ("touched", "strategy", "why"),
    [
        ([ECONOMY], "blue-green", "blue-green with approval: touches Economy (economy/items.yaml)"),
        ([EVENT], "expedited", "expedited: touches only LiveEvent (events/winter.yaml)"),
        ([EVENT, WEAPONS], "canary", "(the default): no rule covers balance/weapons.yaml; events/winter.yaml comes"),
        ([EVENT, ECONOMY], "blue-green", "blue-green with approval: touches Economy (economy/items.yaml)"),
        ([WEAPONS], "canary", "canary with approval in EU-WEST (the default): no rule covers balance/weapons.yaml"),
        ([], "canary", "(the default): no config file changed"),
        ([ECONOMY, LOOT, WEAPONS], "blue-green", "touches Economy (economy/items.yaml, economy/loot.yaml)"),
    ],
)
def test_the_shipped_policy_picks_by_what_changed(touched: list[Touched], strategy: str, why: str) -> None:
    chosen = select(shipped_policy(), touched)
    assert chosen.strategy == chosen.policy.strategy == strategy
    assert why in chosen.why, chosen.why


def test_blue_green_and_expedited_take_each_region_at_once_with_the_rule_s_overrides() -> None:
    base = shipped_policy()
    green = select(base, [ECONOMY]).policy
    assert [r.steps for r in green.regions] == [(100,)] * len(base.regions)
    assert all(r.approval for r in green.regions) and green.checks == base.checks
    fast = select(base, [EVENT]).policy
    assert [r.steps for r in fast.regions] == [(100,)] * len(base.regions)
    assert {r.interval for r in fast.regions} == {timedelta(minutes=10)} and not any(r.approval for r in fast.regions)
    assert fast.checks == base.checks
    # the effective policy keeps the game's freezes, schedule and rules
    assert fast.strategies == base.strategies and fast.rings == base.rings


def test_a_region_override_wins_over_the_rule_wide_values() -> None:
    rule = {
        "match": {"paths": ["economy/**"]},
        "strategy": "canary",
        "approval": "required",
        "analysis": {"interval": "PT2H"},
        "regions": {"NA-WEST": {"steps": [50, 100], "interval": "PT5M", "approval": "none"}},
    }
    chosen = select(policy(rule), [ECONOMY]).policy
    na, eu = chosen.regions
    assert (na.steps, na.interval, na.approval) == ((50, 100), timedelta(minutes=5), False)
    assert (eu.steps, eu.interval, eu.approval) == ((100,), timedelta(hours=2), True)


@pytest.mark.parametrize(
    ("less", "more"),
    [
        ({"strategy": "expedited"}, {"strategy": "canary"}),
        ({"strategy": "canary"}, {"strategy": "blue-green"}),
        ({"strategy": "blue-green"}, {"strategy": "blue-green", "approval": "required"}),
        ({"strategy": "canary"}, {"strategy": "canary", "approval": "required"}),
        # a canary of fewer steps is less cautious, and so is one with shorter intervals
        ({"strategy": "canary", "regions": {"NA-WEST": {"steps": [100]}}}, {"strategy": "canary"}),
        ({"strategy": "canary", "analysis": {"interval": "PT1M"}}, {"strategy": "canary"}),
        ({"strategy": "canary", "analysis": {"checks": ["churn"]}}, {"strategy": "canary"}),
        # the strategy outranks everything else
        ({"strategy": "canary", "approval": "required"}, {"strategy": "blue-green"}),
    ],
)
def test_caution_order_and_the_most_cautious_match_wins(less: dict[str, Any], more: dict[str, Any]) -> None:
    a = {"match": {"kinds": ["Economy"]}, **less}
    b = {"match": {"paths": ["economy/*.yaml"]}, **more}
    for rules in ((a, b), (b, a)):  # order does not matter when they differ
        chosen = select(policy(*rules, strategy="expedited"), [ECONOMY])
        assert chosen.rule == rules.index(b), chosen.why
        assert caution(select(policy(a, strategy="expedited"), [ECONOMY]).policy) < caution(chosen.policy)


def test_ties_go_to_the_rule_listed_first() -> None:
    first = {"name": "first", "match": {"kinds": ["Economy"]}, "strategy": "canary"}
    second = {"name": "second", "match": {"paths": ["economy/**"]}, "strategy": "canary"}
    assert select(policy(first, second), [ECONOMY]).rule == 0
    assert select(policy(second, first), [ECONOMY]).rule == 0


def test_an_only_rule_applies_only_when_every_file_matches() -> None:
    rule = {"match": {"kinds": ["LiveEvent"], "only": True}, "strategy": "expedited"}
    p = policy(rule)
    assert select(p, [EVENT]).strategy == "expedited"
    assert select(p, [EVENT, Touched("events/spring.yaml", "LiveEvent")]).strategy == "expedited"
    assert select(p, [EVENT, WEAPONS]).strategy == "canary"
    # a file of unknown kind (unreadable) is not a LiveEvent
    assert select(p, [EVENT, Touched("events/broken.yaml", None)]).strategy == "canary"
    # another rule covering the other file does not make the expedited rule apply either
    econ = {"match": {"kinds": ["Economy"], "only": True}, "strategy": "expedited"}
    assert select(policy(rule, econ), [EVENT, ECONOMY]).strategy == "canary"


def test_an_expedited_rule_never_carries_a_release_that_touches_anything_else() -> None:
    rule = {"match": {"paths": ["events/**"], "only": True}, "strategy": "expedited"}
    p = policy(rule)
    for other in (WEAPONS, ECONOMY, Touched("README.md", None), Touched("rollout-policy.yaml", "RolloutPolicy")):
        assert select(p, [EVENT, other]).strategy == "canary"


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("economy/**", "economy/items.yaml", True),
        ("economy/**", "economy/deep/items.yaml", True),
        ("economy/*", "economy/deep/items.yaml", False),
        ("**/items.yaml", "items.yaml", True),
        ("**/items.yaml", "economy/items.yaml", True),
        ("economy/*.yaml", "economy/items.json", False),
        ("economy/it?ms.yaml", "economy/items.yaml", True),
        ("economy", "economy/items.yaml", False),
        ("economy/[x].yaml", "economy/[x].yaml", True),
    ],
)
def test_path_globs(pattern: str, path: str, hit: bool) -> None:
    assert glob_match(pattern, path) is hit


# --- properties ---------------------------------------------------------------------------------

KINDS = ["GameBalance", "Economy", "LiveEvent", "Matchmaking", None]
FOLDERS = ["economy", "events", "balance", "misc"]

touched_files = st.builds(
    Touched,
    st.builds(lambda f, n: f"{f}/{n}.yaml", st.sampled_from(FOLDERS), st.sampled_from(["a", "b", "c"])),
    st.sampled_from(KINDS),
)


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    """A rule validate accepts: expedited only with `only`; `only` rules no more cautious than the
    default canary (fewer steps, shorter intervals or expedited)."""
    only = draw(st.booleans())
    match: dict[str, Any] = {"only": only}
    if draw(st.booleans()):
        match["kinds"] = draw(st.lists(st.sampled_from(KINDS[:-1]), min_size=1, max_size=2, unique=True))
    else:
        match["paths"] = [f"{draw(st.sampled_from(FOLDERS))}/**"]
    relaxed: list[dict[str, Any]] = [
        {"strategy": "expedited"},
        {"strategy": "canary", "regions": {"NA-WEST": {"steps": [50, 100]}}},
        {"strategy": "canary", "analysis": {"interval": "PT5M"}},
    ]
    cautious: list[dict[str, Any]] = [
        {"strategy": "canary"},
        {"strategy": "canary", "approval": "required"},
        {"strategy": "blue-green"},
        {"strategy": "blue-green", "approval": "required"},
        {"strategy": "canary", "analysis": {"interval": "PT2H"}},
    ]
    rule = draw(st.sampled_from(relaxed if only else cautious))
    return {"match": match, **rule}


@settings(max_examples=150, deadline=None)
@given(st.lists(rules(), max_size=4), st.lists(touched_files, min_size=1, max_size=5), touched_files)
def test_adding_a_touched_file_never_makes_the_choice_less_cautious(
    raw: list[dict[str, Any]], touched: list[Touched], extra: Touched
) -> None:
    p = policy(*raw)
    before, after = select(p, touched), select(p, [*touched, extra])
    assert caution(after.policy) >= caution(before.policy), (before.why, after.why)


@settings(max_examples=100, deadline=None)
@given(st.lists(rules(), max_size=4), st.lists(touched_files, min_size=1, max_size=5))
def test_expedited_only_when_every_file_matches_the_chosen_rule(
    raw: list[dict[str, Any]], touched: list[Touched]
) -> None:
    p = policy(*raw)
    chosen = select(p, touched)
    if chosen.strategy == "expedited":
        assert chosen.rule is not None
        rule = p.strategies[chosen.rule]
        assert all(rule.match.covers(t.path, t.kind) for t in touched)
    # the choice is at least as cautious as every rule that covers the files
    assert chosen.policy.strategy in ("canary", "blue-green", "expedited") and chosen.why
