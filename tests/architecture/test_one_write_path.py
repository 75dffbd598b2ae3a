"""Every write goes through one compare-and-swap loop: only `promoter.git.writer` calls a remote's
`push`, so no write can skip the write guard, the lease or the read-again-decide-again retry."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("contract", "hotswap", "pipeline", "promoter", "agent")
WRITER = ROOT / "promoter" / "git" / "writer.py"
# Modules allowed to push directly, each to be moved to the writer: none today.
KNOWN_DIRECT: tuple[str, ...] = ()


def _pushes(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "push"
    ]


def test_only_the_writer_pushes() -> None:
    direct = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != WRITER and not str(path.relative_to(ROOT)).startswith(KNOWN_DIRECT)
        for line in _pushes(path)
    ]
    assert direct == []


def test_the_writer_pushes() -> None:
    assert _pushes(WRITER)  # the rule above is about something that exists
