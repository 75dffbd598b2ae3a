"""The ledger has one owner: only `promoter.git.ledger` spells a path into the ledger's folders, so
a record's place cannot drift between the code that writes it and the code that reads it."""

from __future__ import annotations

import ast
from pathlib import Path

from promoter.git import ledger

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("contract", "hotswap", "pipeline", "promoter", "agent")
OWNER = ROOT / "promoter" / "git" / "ledger.py"
FOLDERS = tuple(f"{kind}/" for kind in (ledger.ROLLOUTS, ledger.QUARANTINE, ledger.EVENTS, ledger.GITHUB))


def _heads(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal with its line (an f-string's literal parts are string constants too)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_only_the_ledger_module_builds_ledger_paths() -> None:
    spelled = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != OWNER
        for line, text in _heads(ast.parse(path.read_text(), str(path)))
        if text.startswith(FOLDERS)
    ]
    assert spelled == []


def test_the_ledger_paths_are_the_ones_todays_version_writes() -> None:
    # Ledger files written by today's version keep working: the places do not move.
    assert ledger.rollout_path("g", "abc") == "rollouts/g/abc.json"
    assert ledger.quarantine_path("g", "abc") == "quarantine/g/abc.json"
    assert ledger.event_path("g", "winter") == "events/g/winter.json"
    assert ledger.github_path("g", "abc") == "github/g/abc.json"
