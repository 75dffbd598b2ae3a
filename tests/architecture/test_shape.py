"""The shape later work must keep: no import cycle between modules, the agent and the promoter
apart (both speak through `contract`), small modules and small functions in the product's packages.

Imports under `if TYPE_CHECKING:` and imports inside functions are not module-level edges: they do
not run when the module is imported, so they cannot form an import-time cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("contract", "hotswap", "judge", "pipeline", "promoter", "agent")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
# Packages that may not import each other, in either direction.
APART = (("agent", "promoter"),)

# What breaks the rules today, each to be split or moved; an entry that no longer breaks them fails
# the test, so these lists can only shrink.
KNOWN_LARGE_MODULES: frozenset[str] = frozenset()
KNOWN_LONG_FUNCTIONS: frozenset[str] = frozenset()
KNOWN_CROSSINGS: frozenset[str] = frozenset()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        folder = ROOT / package
        if folder.is_dir():
            found.update({_module_name(p): p for p in sorted(folder.rglob("*.py"))})
    return found


def _type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        base = ".".join([*parts, base] if base else parts)
    # `from package import submodule` imports the submodule; any other name comes from `base`.
    for alias in node.names:
        yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base


def _owner(name: str) -> str | None:
    """The product module `name` refers to (a name imported from a module is that module)."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


@cache
def edges() -> dict[str, frozenset[str]]:
    """module -> the product modules it imports when it is imported."""
    graph: dict[str, frozenset[str]] = {}
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom) and not _type_checking(node):
                targets.update(t for name in _imported(module, path, node) if (t := _owner(name)))
        graph[module] = frozenset(targets - {module})
    return graph


def cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, frozenset())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_the_product_is_found() -> None:
    assert {"promoter.decide", "agent.agent", "pipeline.validate", "hotswap.main"} <= set(modules())
    assert edges()["promoter.decide"], "imports are read"


def test_no_module_level_import_cycle() -> None:
    assert cycles(edges()) == []


@pytest.mark.parametrize(("one", "other"), APART)
def test_packages_kept_apart_do_not_import_each_other(one: str, other: str) -> None:
    crossing = {
        f"{module} -> {target}"
        for module, targets in edges().items()
        for target in targets
        if {module.split(".")[0], target.split(".")[0]} == {one, other}
    }
    assert crossing - KNOWN_CROSSINGS == set(), "import through `contract` instead"
    assert KNOWN_CROSSINGS - crossing == set(), "gone: remove from KNOWN_CROSSINGS"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_over_the_limit() -> None:
    over = {m: n for m, p in modules().items() if (n := _lines(p)) > MAX_MODULE_LINES}
    assert set(over) - set(KNOWN_LARGE_MODULES) == set(), f"modules over {MAX_MODULE_LINES} lines: {over}"
    back = set(KNOWN_LARGE_MODULES) - set(over)
    assert back == set(), f"now within the limit, remove from KNOWN_LARGE_MODULES: {back}"


def _functions() -> dict[str, int]:
    sizes: dict[str, int] = {}
    for module, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                sizes[f"{module}.{node.name}"] = node.end_lineno - node.lineno + 1
    return sizes


def test_no_function_over_the_limit() -> None:
    over = {f: n for f, n in _functions().items() if n > MAX_FUNCTION_LINES}
    assert set(over) - set(KNOWN_LONG_FUNCTIONS) == set(), f"functions over {MAX_FUNCTION_LINES} lines: {over}"
    back = set(KNOWN_LONG_FUNCTIONS) - set(over)
    assert back == set(), f"now within the limit, remove from KNOWN_LONG_FUNCTIONS: {back}"
