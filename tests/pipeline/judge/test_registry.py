"""Every test kind in the registry owns its whole kind: what it reads, its batches, its levels, its
form rules and its pace, besides its test. Enumerated, so a new entry is held to the same contract."""

from __future__ import annotations

import inspect
import json
import math
import shutil
from pathlib import Path

import pytest

from judge import TESTS, CheckSpec, Evidence, Expected, Requirement, SequentialTest, Settings
from judge.model import ABSOLUTE_OPS, RELATIVE_OPS
from pipeline.policy import METRIC_FIELDS
from tests.conftest import REPO_ROOT, RunCli

SETTINGS = Settings()
KINDS = sorted(TESTS.items())


def _protocol_members() -> dict[str, object]:
    return {
        name: member for name, member in vars(SequentialTest).items() if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize(("name", "kind"), KINDS)
def test_every_entry_implements_the_protocol(name: str, kind: SequentialTest) -> None:
    assert kind.name == name
    for attribute in SequentialTest.__annotations__:
        assert hasattr(kind, attribute), f"{name} has no {attribute}"
    assert isinstance(kind.relative, bool) and isinstance(kind.exposure, bool)
    assert kind.ops == (RELATIVE_OPS if kind.relative else ABSOLUTE_OPS)
    assert kind.metrics and all(option and set(option) <= set(METRIC_FIELDS) for option in kind.metrics)
    assert isinstance(kind.unit, str) and kind.unit
    methods = _protocol_members()
    assert set(methods) >= {"reads", "batch", "levels", "expected", "evaluate", "requirement"}
    for method, declared in methods.items():
        assert callable(getattr(kind, method, None)), f"{name} has no {method}"
        wanted = list(inspect.signature(declared).parameters)  # type: ignore[arg-type]
        assert list(inspect.signature(getattr(type(kind), method)).parameters) == wanted, (name, method)


def _spec(kind: SequentialTest) -> CheckSpec:
    if kind.relative:
        return CheckSpec("check", kind.name, "up", critical=0.10, detect=0.40)
    return CheckSpec("check", kind.name, "up", critical=0.01, detect=0.5)


@pytest.mark.parametrize(("name", "kind"), KINDS)
def test_every_entry_reads_batches_judges_and_paces_its_own_checks(name: str, kind: SequentialTest) -> None:
    """From metric names to reads, reads to a batch, batches to evidence, a pace to a requirement."""
    metrics = {key: f"metric_{key}" for key in kind.metrics[0]}
    reads = kind.reads(metrics, "player_seconds_total")
    assert reads and all(read.metric for read in reads), reads
    assert any(read.metric == "player_seconds_total" for read in reads) == kind.exposure
    cohorts = ("candidate", "baseline") if kind.relative else ("candidate",)
    # every read a plausible value: 100 samples of 50 (sum 5000, squares 260000), 20 events in 36000 player-seconds
    value = {"Events": 20.0, "Exposure": 36000.0, "Sum": 5000.0, "Squares": 260000.0, "Count": 100.0}
    ledger = {f"{side}{read.key}": value[read.key] for side in cohorts for read in reads}
    spec = _spec(kind)
    evidence = kind.evaluate(spec, [kind.batch(ledger)] * 3, 0.01, SETTINGS)
    assert isinstance(evidence, Evidence) and evidence.test == name
    assert evidence.estimate is not None and math.isfinite(evidence.estimate), evidence
    candidate, baseline = kind.levels({_camel(key): count for key, count in evidence.counts})
    assert candidate is not None and (baseline is not None) == kind.relative
    half = kind.expected(spec, 1000.0, 0.5)
    assert isinstance(half, Expected)
    assert (kind.expected(spec, 1000.0, 1.0) is None) == kind.relative  # no baseline cohort at 100%
    requirement = kind.requirement(spec, half, 0.01, SETTINGS)
    assert isinstance(requirement, Requirement) and 0 < requirement.intervals < math.inf


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def test_the_schema_names_the_kinds_the_registry_holds() -> None:
    schema = json.loads((REPO_ROOT / "schemas" / "RolloutPolicy.schema.json").read_text())
    check = schema["properties"]["spec"]["properties"]["analysis"]["properties"]["checks"]["items"]
    assert sorted(check["properties"]["test"]["enum"]) == sorted(TESTS)


def test_a_repository_schema_that_allows_another_test_gets_a_finding_with_file_and_line(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """A name no kind has is refused by validate (it was a KeyError): nothing would judge the check."""
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(REPO_ROOT / "configs" / "battle-royale", tmp_path / "configs" / "battle-royale")
    path = tmp_path / "schemas" / "RolloutPolicy.schema.json"
    schema = json.loads(path.read_text())
    check = schema["properties"]["spec"]["properties"]["analysis"]["properties"]["checks"]["items"]
    check["properties"]["test"]["enum"].append("ttest")
    path.write_text(json.dumps(schema))
    policy = tmp_path / "configs" / "battle-royale" / "rollout-policy.yaml"
    text = policy.read_text()
    line = 1 + text[: text.index("test: absolute")].count("\n")
    policy.write_text(text.replace("test: absolute", "test: ttest", 1))

    code, out, err = run_cli(["validate", "--root", str(tmp_path)])
    assert code == 1, out + err
    assert f"configs/battle-royale/rollout-policy.yaml:{line}:" in out, out
    assert "unknown test 'ttest'; known: absolute, mean, rate" in out and "policy-judge" in out, out
    assert "Traceback" not in out + err
