"""Registries own their whole kind: outside the judge, no product module compares a test kind's name
with a string literal (`test == "absolute"`, `test in ("rate", "mean")`, `match test: case "mean"`)
or keys a table by the names; it asks the kind's registry entry instead. Adding a kind is one module
and one registry entry, never a hunt for switches."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pipeline.judge import TESTS

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("contract", "hotswap", "pipeline", "promoter", "agent")
JUDGE = ROOT / "pipeline" / "judge"  # the registry and its kinds: where the names live


def _names(node: ast.AST) -> Iterator[str]:
    """The kind names a literal spells: a string, or the strings of a tuple, list or set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in TESTS:
        yield node.value
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for element in node.elts:
            yield from _names(element)


def switches(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, kind name) of every comparison, match case or table key that spells a kind's name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                yield from ((node.lineno, name) for name in _names(operand))
        elif isinstance(node, ast.MatchValue):
            yield from ((node.lineno, name) for name in _names(node.value))
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    yield from ((key.lineno, name) for name in _names(key))


def _product_files() -> Iterator[Path]:
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if JUDGE not in path.parents:
                yield path


def test_no_product_module_outside_the_judge_switches_on_a_test_kind_name() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for path in _product_files()
        for line, name in switches(ast.parse(path.read_text(), str(path)))
    ]
    assert not found, "ask the kind's registry entry (pipeline.judge.TESTS) instead:\n" + "\n".join(found)


def test_the_search_finds_each_form_of_switch() -> None:
    source = """
if test == "absolute": pass
if spec.test != "rate": pass
if check.get("test") in ("rate", "mean"): pass
match test:
    case "mean": pass
READS = {"rate": 1}
if op in ("above", "below"): pass
"""
    assert sorted(switches(ast.parse(source))) == [
        (2, "absolute"),
        (3, "rate"),
        (4, "mean"),
        (4, "rate"),
        (6, "mean"),
        (7, "rate"),
    ]
