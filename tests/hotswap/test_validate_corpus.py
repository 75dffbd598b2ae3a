"""A corpus of broken files: each is rejected with its rule and line, and never hides the others."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.pipeline.fixtures import billion_laughs

BR = "configs/battle-royale"
WEAPONS = f"{BR}/balance/weapons.yaml"
STORE = f"{BR}/economy/store.yaml"
LOOT = f"{BR}/economy/loot.yaml"
MATCH = f"{BR}/matchmaking.yaml"
EVENT = f"{BR}/events/winter-festival.yaml"
POLICY = f"{BR}/rollout-policy.yaml"
PERF = f"{BR}/performance.yaml"
EXPERIMENT = f"{BR}/experiments/rifle-damage.yaml"
# Every run also breaks this file of the other game: it must still be reported.
SENTINEL = "configs/kart-racer/performance.yaml"

HEADER = "apiVersion: hotswap/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  game: battle-royale\n  version: 1.0.0\n"


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    content: Callable[[str], str | bytes]  # original text (or "") -> new content
    rule: str
    marker: str | int  # text on the expected line, or the line number itself


def replace(old: str, new: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return apply


def new(content: str | bytes) -> Callable[[str], str | bytes]:
    return lambda _: content


CASES = [
    # the loader (issue: strict loading)
    Case(
        "duplicate-key",
        WEAPONS,
        replace("      magazine: 30\n", "      magazine: 30\n      damage: 50\n"),
        "duplicate-key",
        "damage: 50",
    ),
    Case(
        "python-tag",
        f"{BR}/evil.yaml",
        new(
            HEADER.format(kind="Performance", name="evil")
            + "spec: !!python/object/apply:os.system ['touch /tmp/pwned']\n"
        ),
        "yaml-tag",
        "os.system",
    ),
    Case("custom-tag", WEAPONS, replace("damage: 45", "damage: !dmg 45"), "yaml-tag", "!dmg"),
    Case("yaml-bomb", f"{BR}/bomb.yaml", new(billion_laughs()), "alias-bound", 4),
    Case(
        "too-large",
        f"{BR}/huge.yaml",
        new(HEADER.format(kind="Performance", name="huge") + "# " + "x" * (1 << 20) + "\n"),
        "file-too-large",
        1,
    ),
    Case(
        "bad-utf8", WEAPONS, lambda t: t.replace("AR-7 Rifle", "AR-7 R\xefifle").encode("latin-1"), "encoding", "AR-7"
    ),
    Case("binary", f"{BR}/blob.yaml", new(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "encoding", 3),
    Case("two-documents", PERF, lambda t: t + "---\n" + t, "multiple-documents", "---"),
    Case(
        "unknown-kind",
        f"{BR}/maps.yaml",
        new(HEADER.format(kind="MapPack", name="maps") + "spec: {}\n"),
        "unknown-kind",
        "kind: MapPack",
    ),
    Case(
        "game-mismatch", PERF, replace("game: battle-royale", "game: kart-racer"), "game-mismatch", "game: kart-racer"
    ),
    Case(
        "name-traversal",
        PERF,
        replace("name: server-performance", "name: ../../etc/passwd"),
        "invalid-name",
        "name: ../",
    ),
    Case(
        "name-upper",
        PERF,
        replace("name: server-performance", "name: Server Performance"),
        "invalid-name",
        "name: Server",
    ),
    Case(
        "duplicate-name",
        f"{BR}/balance/weapons-copy.yaml",
        lambda _: (Path(os.environ["HOTSWAP_CORPUS_ROOT"]) / WEAPONS).read_text(),
        "duplicate-name",
        "name: weapon-balance",
    ),
    Case(
        "syntax",
        MATCH,
        replace("  maxWaitSeconds: 300\n", "  maxWaitSeconds: 300\n maxWait: [1\n"),
        "yaml-syntax",
        "maxWait: [1",
    ),
    Case("deep-nesting", f"{BR}/deep.yaml", new("a: " + "[" * 5000 + "]" * 5000 + "\n"), "nesting-depth", 1),
    Case(
        "outside-game",
        "configs/stray.yaml",
        new(HEADER.format(kind="Performance", name="stray") + "spec: {}\n"),
        "layout",
        1,
    ),
    Case("not-a-mapping", f"{BR}/list.yaml", new("- a\n- b\n"), "not-a-mapping", 1),
    Case("empty", f"{BR}/empty.yaml", new(""), "empty-document", 1),
    Case(
        "merge-key",
        PERF,
        replace("  server:\n", "  base: &b {tickRate: 30}\n  server:\n    <<: *b\n"),
        "merge-key",
        "<<",
    ),
    Case("non-finite", PERF, replace("cpuCores: 2", "cpuCores: .inf"), "non-finite-number", "cpuCores"),
    Case(
        "line-separator-in-flow",  # libyaml counts U+2028 as a line break; the `?` check read past a line
        WEAPONS,
        replace("damage: 45", "damage: [45,\u2028" + " " * 80 + "46] # ?"),
        "yaml-unsupported",
        "damage: [45,",
    ),
    Case(
        "json-lone-surrogate",  # json reads "\ud800" as a str no UTF-8 output can hold
        f"{BR}/perf.json",
        new(
            '{"apiVersion": "hotswap/v1", "kind": "Performance",\n'
            ' "metadata": {"name": "perf-json", "game": "battle-royale", "displayName": "\\ud800"}}\n'
        ),
        "encoding",
        "displayName",
    ),
    # schemas
    Case("typo-field", WEAPONS, replace("      damage: 45", "      damgae: 45"), "schema", "damgae"),
    Case("damage-1e9", WEAPONS, replace("damage: 45", "damage: 1e9"), "schema", "damage: 1e9"),
    Case("negative-price", STORE, replace("price: {soft: 2500}", "price: {soft: -5}"), "schema", "soft: -5"),
    Case("tick-rate-0", PERF, replace("tickRate: 30", "tickRate: 0"), "schema", "tickRate: 0"),
    Case("missing-field", WEAPONS, replace("      magazine: 30\n", ""), "schema", "    rifle:"),
    Case(
        "bad-reward",
        STORE,
        replace("- {item: xp-boost-1h}", "- {item: xp-boost-1h, weapon: rifle}"),
        "schema",
        "weapon: rifle}",
    ),
    # semantic rules
    Case("loot-sum", LOOT, replace("probability: 0.15", "probability: 0.05"), "loot-table", "    supply-drop:"),
    Case("loot-weight-zero", LOOT, replace("weight: 30", "weight: 0"), "loot-table", "weight: 0"),
    Case(
        "battle-pass-order",
        STORE,
        replace("{tier: 3, xp: 12000", "{tier: 5, xp: 12000"),
        "battle-pass-tiers",
        "tier: 5",
    ),
    Case(
        "event-ends-early",
        EVENT,
        replace('end: "2027-01-04T17:00:00Z"', 'end: "2026-12-01T17:00:00Z"'),
        "event-window",
        "end:",
    ),
    Case(
        "event-bad-date",
        EVENT,
        replace('start: "2026-12-18T17:00:00Z"', 'start: "2026-02-30T17:00:00Z"'),
        "event-window",
        "start:",
    ),
    Case("event-region", EVENT, replace("APAC]", "APAC, MARS]"), "event-regions", "MARS"),
    Case(
        "band-min-max",
        MATCH,
        replace("{name: gold,     min: 1800, max: 2400}", "{name: gold, min: 2400, max: 1800}"),
        "matchmaking-bands",
        "name: gold",
    ),
    Case(
        "band-overlap",
        MATCH,
        replace("{name: silver,   min: 1200", "{name: silver, min: 1100"),
        "matchmaking-bands",
        "name: silver",
    ),
    Case(
        "mode-capacity",
        MATCH,
        replace(
            "duel-arena: {displayName: Duel Arena, teamSize: 2, maxPlayers: 12",
            "duel-arena: {displayName: Duel Arena, teamSize: 5, maxPlayers: 12",
        ),
        "matchmaking-capacity",
        "duel-arena",
    ),
    Case(
        "unknown-weapon",
        LOOT,
        replace("{weapon: rifle, weight: 15}", "{weapon: rifel, weight: 15}"),
        "references",
        "rifel",
    ),
    Case(
        "unknown-map",
        MATCH,
        replace("- {map: frost-peak, mode: squad, weight: 2}", "- {map: frost-pk, mode: squad, weight: 2}"),
        "references",
        "frost-pk",
    ),
    Case(
        "duplicate-item",
        f"{BR}/economy/more-items.yaml",
        new(
            HEADER.format(kind="Economy", name="more-items")
            + "spec:\n  items:\n    medkit: {type: consumable, rarity: common}\n"
        ),
        "duplicate-definition",
        "medkit",
    ),
    Case(
        "no-policy",
        "configs/puzzle-quest/balance.yaml",
        new(
            HEADER.replace("battle-royale", "puzzle-quest").format(kind="GameBalance", name="balance")
            + "spec:\n  weapons: {}\n"
        ),
        "policy-present",
        1,
    ),
    Case(
        "rings-no-100",
        POLICY,
        replace("rings: [10, 30, 50, 90, 100]", "rings: [10, 30, 50, 90]"),
        "policy-rings",
        "rings:",
    ),
    Case(
        "step-not-ring",
        POLICY,
        replace("steps: [10, 30, 50, 90, 100], interval: PT30M", "steps: [10, 20, 50, 90, 100], interval: PT30M"),
        "policy-steps",
        "steps: [10, 20",
    ),
    Case("region-twice", POLICY, replace("{name: APAC,", "{name: NA-EAST,"), "policy-regions", 22),
    Case(
        "interval-zero",
        POLICY,
        replace("{name: APAC, steps: [90, 100], interval: PT30M}", "{name: APAC, steps: [90, 100], interval: PT0S}"),
        "policy-interval",
        "PT0S",
    ),
    Case(
        "no-holdback",
        POLICY,
        replace("{name: APAC, steps: [90, 100],", "{name: APAC, steps: [100],"),
        "policy-holdback",
        "{name: APAC, steps: [100],",
    ),
    Case(
        "absolute-relative-tolerance",
        POLICY,
        replace("critical: {above: 0.02}", "critical: {relativeIncrease: 0.5}"),
        "policy-judge",
        "relativeIncrease: 0.5",
    ),
    Case(
        "rate-without-events",
        POLICY,
        replace("        events: hotswap_server_crashes_total\n", ""),
        "policy-judge",
        "name: crash-rate",
    ),
    Case(
        "detect-unreachable",
        POLICY,
        replace("expected: 2000 ", "expected: 20 "),
        "policy-detect",
        "expected: 20 ",
    ),
    Case(
        "relative-no-baseline",
        POLICY,
        replace("critical: {below: 20}", "critical: {relativeDecrease: 0.5}"),
        "policy-checks",
        "relativeDecrease: 0.5",
    ),
    Case(
        "query-variable",
        POLICY,
        replace(
            'min(hotswap_server_tick_rate_hz{game="{{game}}",region="{{region}}",config_revision="{{revision}}"})',
            'min(hotswap_server_tick_rate_hz{game="{{game}}",config_revision="{{revison}}"})',
        ),
        "query-variables",
        "revison",
    ),
    Case(
        "variant-weights",
        EXPERIMENT,
        replace("{name: rifle-48, weight: 50", "{name: rifle-48, weight: 60"),
        "experiment-variants",
        "variants:",
    ),
    Case(
        "override-path",
        EXPERIMENT,
        replace("weapons.rifle.damage: 48", "weapons.rifel.damage: 48"),
        "experiment-target",
        "weapons.rifel",
    ),
]


def _expected_line(content: str | bytes, marker: str | int) -> int:
    if isinstance(marker, int):
        return marker
    text = content.decode("latin-1") if isinstance(content, bytes) else content
    for number, line in enumerate(text.splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"marker {marker!r} not in content")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file_is_reported_with_rule_and_line(
    case: Case, config_repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSWAP_CORPUS_ROOT", str(config_repo))
    target = config_repo / case.path
    original = target.read_text() if target.exists() else ""
    content = case.content(original)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    sentinel = config_repo / SENTINEL
    sentinel.write_text(sentinel.read_text().replace("tickRate: 60", "tickRate: 500"))

    code, out, err = run_cli(["validate", "--root", str(config_repo)])

    assert code == 1, out + err
    assert "Traceback" not in out + err
    line = _expected_line(content, case.marker)
    expected = f"{case.path}:{line}:"
    hits = [row for row in out.splitlines() if row.startswith(expected) and row.endswith(f"[{case.rule}]")]
    assert hits, f"expected a line starting {expected!r} with [{case.rule}] in:\n{out}"
    assert any(row.startswith(f"{SENTINEL}:") and "[schema]" in row for row in out.splitlines()), out


def test_symlink_is_refused(config_repo: Path, run_cli: RunCli) -> None:
    (config_repo / f"{BR}/passwd.yaml").symlink_to("/etc/passwd")
    code, out, _ = run_cli(["validate", "--root", str(config_repo)])
    assert code == 1
    assert f"{BR}/passwd.yaml:1:1: symbolic links are not allowed under configs/ [symlink]" in out


def test_shipped_configs_are_valid(run_cli: RunCli) -> None:
    code, out, _ = run_cli(["validate"])
    assert code == 0, out
    assert out.startswith("ok: ") and "warning" not in out, out


def test_json_format_is_stable(config_repo: Path, run_cli: RunCli) -> None:
    weapons = config_repo / WEAPONS
    weapons.write_text(weapons.read_text().replace("damage: 45", "damage: 1e9"))
    code, out, _ = run_cli(["validate", "--root", str(config_repo), "--format", "json"])
    assert code == 1
    report = json.loads(out)
    assert report["version"] == 1 and report["ok"] is False
    assert report["summary"]["errors"] == 1 and report["summary"]["games"] == ["battle-royale", "kart-racer"]
    (finding,) = report["findings"]
    assert finding == {
        "file": WEAPONS,
        "line": 14,
        "column": 7,
        "path": "$.spec.weapons.rifle.damage",
        "rule": "schema",
        "severity": "error",
        "message": "damage: 1000000000.0 is greater than the maximum of 500 (Damage per hit, in health points.)",
    }


def test_github_format_annotates_and_writes_the_step_summary(
    config_repo: Path, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    weapons = config_repo / WEAPONS
    weapons.write_text(weapons.read_text().replace("damage: 45", "damgae: 45"))
    code, out, _ = run_cli(["validate", "--root", str(config_repo), "--format", "github"])
    assert code == 1
    assert (
        f"::error file={WEAPONS},line=14,col=7,title=hotswap schema::unknown field 'damgae'; did you mean 'damage'?"
        in out
    )
    assert "| `" + WEAPONS + "` | 14:7 | `schema` |" in summary.read_text()


def test_paths_limit_the_report_but_rules_see_the_whole_game(config_repo: Path, run_cli: RunCli) -> None:
    loot = config_repo / LOOT
    loot.write_text(loot.read_text().replace("{weapon: rifle, weight: 15}", "{weapon: rifel, weight: 15}"))
    code, out, _ = run_cli(["validate", "--root", str(config_repo), str(config_repo / STORE)])
    assert code == 0, out  # store.yaml itself is fine; its references resolve against the whole game
    code, out, _ = run_cli(["validate", "--root", str(config_repo), str(config_repo / LOOT)])
    assert code == 1 and "rifel" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "configs/nope.yaml"], "does not exist"),
        (["validate", "README.md"], "is not under configs/"),
        (["validate", "--changed-since", "no-such-rev"], ""),
        (["validate", "--max-bytes", "0"], "--max-bytes"),
        (["validate", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, run_cli: RunCli, git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(git_repo)
    (git_repo / "README.md").write_text("hi")
    code, out, err = run_cli(argv)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


def test_hostile_files_in_a_real_process(config_repo: Path, tmp_path: Path) -> None:
    """A YAML bomb, a code-execution tag and deep nesting together: exit 1, findings, no traceback."""
    import subprocess
    import sys

    marker = tmp_path / "pwned"
    (config_repo / f"{BR}/bomb.yaml").write_text(billion_laughs())
    (config_repo / f"{BR}/evil.yaml").write_text(f"a: !!python/object/apply:os.system ['touch {marker}']\n")
    (config_repo / f"{BR}/deep.yaml").write_text("a: " + "[" * 200_000 + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "hotswap", "validate", "--root", str(config_repo)],
        capture_output=True,
        text=True,
        timeout=60,  # a hang guard, not a timing assertion
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "[alias-bound]" in result.stdout and "[yaml-tag]" in result.stdout and "[nesting-depth]" in result.stdout
    assert not marker.exists()
