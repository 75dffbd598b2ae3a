"""Messages a new user understands, and every finding of a file in one pass (issue 11)."""

from __future__ import annotations

import pytest

from pipeline.documents import SourceFile
from pipeline.findings import Finding
from pipeline.spelling import spell
from pipeline.validate import validate
from tests.pipeline.fixtures import SCHEMAS, SHIPPED

BR = "configs/battle-royale"
POLICY = f"{BR}/rollout-policy.yaml"
EVENT = f"{BR}/events/winter-festival.yaml"
STORE = f"{BR}/economy/store.yaml"
LOOT = f"{BR}/economy/loot.yaml"
WEAPONS = f"{BR}/balance/weapons.yaml"
MATCH = f"{BR}/matchmaking.yaml"


def edited(*edits: tuple[str, str, str]) -> tuple[SourceFile, ...]:
    """The shipped configs with (path, old, new) replacements, each of which must apply."""
    sources = {s.path: s.data.decode() for s in SHIPPED}
    for path, old, new in edits:
        assert old in sources[path], (path, old)
        sources[path] = sources[path].replace(old, new, 1)
    return tuple(SourceFile(path, text.encode()) for path, text in sources.items())


def findings(*edits: tuple[str, str, str]) -> list[Finding]:
    """What the edits add to the findings on the shipped configs (which may carry warnings)."""
    return [f for f in validate(edited(*edits), SCHEMAS).findings if f not in SHIPPED_FINDINGS]


SHIPPED_FINDINGS = frozenset(validate(SHIPPED, SCHEMAS).findings)


def only(found: list[Finding], path: str) -> Finding:
    (finding,) = [f for f in found if f.file == path]
    return finding


def test_a_duration_is_described_not_shown_as_a_regex() -> None:
    # `only`: the policy-interval rule, which would say it again, stays silent where the schema spoke.
    finding = only(findings((POLICY, "interval: PT30M}", "interval: 10m}")), POLICY)
    assert finding.message.startswith("interval: '10m' is not an ISO 8601 duration such as PT30M")
    assert "(?" not in finding.message and "[0-9]" not in finding.message
    text = next(f for f in SHIPPED if f.path == POLICY).data.decode()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "interval: PT30M}" in row)  # the first region
    assert (finding.rule, finding.line, finding.path) == ("schema", line, "$.spec.regions[0].interval")


def test_a_timestamp_is_described_not_shown_as_a_regex() -> None:
    finding = only(findings((EVENT, '"2026-12-18T17:00:00Z"', '"2026-12-18 17:00"')), EVENT)
    assert (
        finding.message
        == "start: '2026-12-18 17:00' is not an RFC 3339 instant with seconds and Z or an offset, such as 2026-12-01T18:00:00Z"
    )


def test_yes_for_a_boolean_says_to_write_true() -> None:
    finding = only(findings((STORE, "available: false}", "available: yes}")), STORE)
    assert "'yes' is a string, expected true or false; write true (YAML 1.2" in finding.message
    assert "'boolean'" not in finding.message


def test_values_are_spelled_as_in_yaml_not_python() -> None:
    found = findings(
        (STORE, "type: consumable, rarity: common}", "type: true, rarity: common}"),
        (STORE, "displayName: Shield Cell", "displayName: [a, b]"),
    )
    messages = " | ".join(f.message for f in found)
    assert "type: true is not one of [cosmetic, consumable, boost, " in messages
    assert "[a, b] is a list, expected a string" in messages
    assert "True" not in messages and "['" not in messages


def test_a_tab_in_the_indentation_says_how_to_fix_it() -> None:
    finding = only(findings((WEAPONS, "\n      damage: 45", "\n\t damage: 45")), WEAPONS)
    assert finding.rule == "yaml-syntax"
    assert "indent with spaces" in finding.message and (finding.line, finding.column) == (14, 1)


def test_number_keys_still_say_to_quote_them() -> None:
    finding = only(findings((WEAPONS, "    rifle:\n", "    7:\n")), WEAPONS)
    assert (finding.rule, finding.line) == ("non-string-key", 11) and "quote it" in finding.message


def test_a_schema_error_does_not_hide_the_files_semantic_errors() -> None:
    found = findings(
        (LOOT, "      rolls: 2\n", "      rolls: 2\n      colour: red\n"),  # schema: unknown field
        (LOOT, "{weapon: sniper, probability: 0.35}", "{weapon: snipr, probability: 0.30}"),
    )
    rules = sorted(f.rule for f in found if f.file == LOOT)
    assert rules == ["loot-table", "references", "schema"], found
    assert any("did you mean 'sniper'" in f.message for f in found)


def test_a_value_the_schema_rejects_is_not_judged_again() -> None:
    found = findings((LOOT, "{weapon: sniper, probability: 0.35}", "{weapon: sniper, probability: lots}"))
    assert [f.rule for f in found if f.file == LOOT] == ["schema"]  # no "probabilities sum to 0.65"


def test_a_wrong_shape_in_one_unit_leaves_the_others_judged() -> None:
    found = findings(
        (MATCH, "teamSize: 3, maxPlayers: 60", "teamSize: three, maxPlayers: 60"),
        (MATCH, "teamSize: 2, maxPlayers: 12", "teamSize: 5, maxPlayers: 12"),
    )
    assert sorted(f.rule for f in found if f.file == MATCH) == ["matchmaking-capacity", "schema"]


def test_a_file_that_fails_to_load_makes_references_unknown_not_undefined() -> None:
    found = findings((WEAPONS, "      damage: 45\n", "      damage: 45\n      damage: 46\n"))
    assert only(found, WEAPONS).rule == "duplicate-key"
    others = [f for f in found if f.file != WEAPONS]
    assert others and all(f.severity == "warning" for f in others)
    assert all(f"{WEAPONS} failed to load" in f.message for f in others)
    assert not any("defines any" in f.message or "no GameBalance config" in f.message for f in found)


def test_a_missing_policy_file_that_failed_to_load_is_not_called_missing() -> None:
    found = findings((POLICY, "  strategy: canary\n", "  strategy: canary\n  strategy: canary\n"))
    policy = [f for f in found if f.rule == "policy-present"]
    assert len(policy) == 1 and policy[0].severity == "warning" and POLICY in policy[0].message


@pytest.mark.parametrize(
    ("value", "spelled"),
    [
        (True, "true"),
        (None, "null"),
        (["a", "b"], "[a, b]"),
        (["yes", "a b"], "['yes', 'a b']"),
        ({"k": False}, "{k: false}"),
        ("it's", "'it''s'"),
        ("a\x01", '"a\\u0001"'),
        (float("inf"), ".inf"),
        (10**400, "an integer of 1329 bits"),
        ("x" * 100, "'" + "x" * 60 + "...'"),
    ],
)
def test_spelling(value: object, spelled: str) -> None:
    assert spell(value) == spelled
