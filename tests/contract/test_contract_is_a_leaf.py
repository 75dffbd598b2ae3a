"""contract is what pipeline, promoter and agent share, so it imports none of them (nor hotswap):
every import in its modules, at any depth (in functions and `TYPE_CHECKING` blocks too), is read."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("pipeline", "promoter", "agent", "hotswap")


def imports(path: Path) -> list[str]:
    """The modules `path` imports; a relative import is named from the contract package."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("contract" if node.level else (node.module or ""))
    return found


def test_the_walk_reads_every_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import agent.x\nif TYPE_CHECKING:\n    from promoter import y\ndef f():\n    from . import z\n")
    assert imports(module) == ["agent.x", "promoter", "contract"]


def test_contract_imports_none_of_the_packages_it_serves() -> None:
    modules = sorted((ROOT / "contract").rglob("*.py"))
    assert modules, "the contract package is found"
    crossing = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules
        for name in imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert crossing == []
