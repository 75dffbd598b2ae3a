"""Registries own their whole kind: outside the judge, no product module compares a test kind's name
with a string literal (`test == "absolute"`, `test in ("rate", "mean")`, `match test: case "mean"`)
or keys a table by the names; it asks the kind's registry entry instead. Adding a kind is one module
and one registry entry, never a hunt for switches. Strategies alike: outside their registry
(pipeline.strategy_names) nothing switches on a strategy's name."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

from judge import TESTS
from pipeline.strategy_names import STRATEGY_NAMES

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("contract", "hotswap", "judge", "pipeline", "promoter", "agent")
JUDGE = ROOT / "judge"  # the test kinds' registry and its kinds: where their names live
STRATEGY_REGISTRY = ROOT / "pipeline" / "strategy_names.py"


def _names(node: ast.AST, known: Collection[str]) -> Iterator[str]:
    """The names a literal spells: a string, or the strings of a tuple, list or set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
        yield node.value
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for element in node.elts:
            yield from _names(element, known)


def switches(tree: ast.AST, known: Collection[str]) -> Iterator[tuple[int, str]]:
    """(line, name) of every comparison, match case or table key that spells one of `known`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                yield from ((node.lineno, name) for name in _names(operand, known))
        elif isinstance(node, ast.MatchValue):
            yield from ((node.lineno, name) for name in _names(node.value, known))
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    yield from ((key.lineno, name) for name in _names(key, known))


def _found(known: Collection[str], home: Path) -> list[str]:
    """Every switch on `known` in the product outside `home` (a package or a module)."""
    return [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != home and home not in path.parents
        for line, name in switches(ast.parse(path.read_text(), str(path)), known)
    ]


def test_no_product_module_outside_the_judge_switches_on_a_test_kind_name() -> None:
    found = _found(TESTS, JUDGE)
    assert not found, "ask the kind's registry entry (judge.TESTS) instead:\n" + "\n".join(found)


def test_no_product_module_outside_the_registry_switches_on_a_strategy_name() -> None:
    found = _found(STRATEGY_NAMES, STRATEGY_REGISTRY)
    assert not found, "ask the registry (pipeline.strategy_names) instead:\n" + "\n".join(found)


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
    assert sorted(switches(ast.parse(source), TESTS)) == [
        (2, "absolute"),
        (3, "rate"),
        (4, "mean"),
        (4, "rate"),
        (6, "mean"),
        (7, "rate"),
    ]


def test_the_judge_imports_nothing_from_the_product_around_it() -> None:
    """The judge is plain statistics: pipeline, the promoter and the agent use it, never the reverse."""
    outside = {"agent", "hotswap", "pipeline", "promoter"}
    found = []
    for path in sorted(JUDGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in outside]
    assert not found, found
