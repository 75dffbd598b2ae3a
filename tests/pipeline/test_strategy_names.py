"""One registry of strategy names: its rank is the selection's caution, its names are the
implementations', and a name it does not hold is a validate finding that never rolls out."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.strategy_names import (
    ALL_AT_ONCE,
    STRATEGY_NAMES,
    UnknownStrategy,
    display,
    known_names,
    label,
    rank,
)
from pipeline.strategy_select import caution
from promoter.strategies import STRATEGIES, strategy_of
from tests.conftest import REPO_ROOT, RunCli
from tests.promoter.snapshots import POLICY


def test_the_registry_carries_rank_and_all_at_once_and_the_implementations_follow_it() -> None:
    assert known_names() == ("expedited", "canary", "blue-green")
    assert set(STRATEGIES) == set(STRATEGY_NAMES)
    assert ALL_AT_ONCE == ("expedited", "blue-green")
    assert [caution(replace(POLICY, strategy=n))[0] for n in known_names()] == [0, 1, 2]


def test_an_unknown_strategy_neither_rolls_out_as_canary_nor_ranks_most_cautious() -> None:
    unknown = replace(POLICY, strategy="trickle")
    with pytest.raises(UnknownStrategy, match="unknown strategy 'trickle'"):
        strategy_of(unknown)
    with pytest.raises(UnknownStrategy):
        caution(unknown)
    with pytest.raises(UnknownStrategy):
        rank("trickle")


def test_a_repository_schema_that_allows_another_strategy_still_gets_a_finding_with_file_and_line(
    tmp_path: Path, run_cli: RunCli
) -> None:
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(REPO_ROOT / "configs" / "kart-racer", tmp_path / "configs" / "kart-racer")
    path = tmp_path / "schemas" / "RolloutPolicy.schema.json"
    schema = json.loads(path.read_text())
    schema_text = json.dumps(schema).replace(
        '"enum": ["canary", "blue-green", "expedited"]', '"enum": ["canary", "blue-green", "expedited", "trickle"]'
    )
    assert schema_text != json.dumps(schema)
    path.write_text(schema_text)
    policy = tmp_path / "configs" / "kart-racer" / "rollout-policy.yaml"
    text = policy.read_text()
    line = 1 + text[: text.index("  strategy: canary")].count("\n")
    policy.write_text(text.replace("  strategy: canary", "  strategy: trickle", 1))

    code, out, err = run_cli(["validate", "--root", str(tmp_path)])
    assert code == 1, out + err
    assert f"configs/kart-racer/rollout-policy.yaml:{line}:" in out, out
    assert "unknown strategy 'trickle'" in out and "policy-strategy" in out, out
    assert "Traceback" not in out + err


def test_the_schema_and_the_implementations_name_the_strategies_the_registry_holds() -> None:
    spec = json.loads((REPO_ROOT / "schemas" / "RolloutPolicy.schema.json").read_text())["properties"]["spec"]
    assert sorted(spec["properties"]["strategy"]["enum"]) == sorted(STRATEGY_NAMES)
    assert sorted(spec["properties"]["strategies"]["items"]["properties"]["strategy"]["enum"]) == sorted(STRATEGY_NAMES)
    assert {name: implementation.name for name, implementation in STRATEGIES.items()} == {n: n for n in STRATEGY_NAMES}


def test_what_plan_and_status_call_a_strategy_comes_from_the_registry() -> None:
    assert display("blue-green") == STRATEGY_NAMES["blue-green"].display == "blue-green: a green pool, then a switch"
    assert [label(name) for name in known_names()] == ["expedited", "", "blue-green"]  # canary: the plain default
    assert display("trickle") == label("trickle") == "trickle"  # a ledger from a version that knew it
    assert [n for n in known_names() if STRATEGY_NAMES[n].one_push] == ["expedited"]
    assert [n for n in known_names() if STRATEGY_NAMES[n].own_baseline] == ["blue-green"]
