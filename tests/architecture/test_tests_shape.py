"""The shape of the tests themselves: what tests share lives in helper modules (fixtures.py and the
like), never in a `test_*.py` module another module imports. Importing a test module runs its
module-level code a second time under another name and ties the two files' fate together; pytest
can also collect an imported test twice.

Every import counts, inside functions too, and so does an import written into the source text of a
subprocess (a `python -c` probe), because it loads the test module all the same.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("tests", "bench")
# an import statement inside a string: the script a test hands to `python -c`
_IN_TEXT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ]+)|import\s+([\w.]+))", re.MULTILINE)


def _is_test_module(dotted: str) -> bool:
    return dotted.rsplit(".", maxsplit=1)[-1].startswith("test_")


def imports_of_test_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) for each import of a `test_*` module in `source`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _is_test_module(node.module):
                found.append((node.lineno, node.module))
            # `from tests.agent import test_agent`
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names if _is_test_module(a.name)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _IN_TEXT.finditer(node.value):
                module, names, plain = match.groups()
                dotted = [plain] if plain else [module, *(f"{module}.{n.strip()}" for n in names.split(","))]
                line = node.lineno + node.value[: match.start()].count("\n")
                found += [(line, d) for d in dotted if _is_test_module(d)]
    return sorted(found)


def test_no_module_imports_a_test_module() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, module in imports_of_test_modules(path.read_text())
    ]
    assert offences == [], "move what is shared into a helper module (e.g. fixtures.py):\n" + "\n".join(offences)


def test_the_rule_sees_every_form_of_import() -> None:
    # T_ stands for test_, so that this text is not itself an import of a test module
    source = '''
from tests.agent.T_agent import RingRepo
import tests.pipeline.T_yamlstrict
from tests.promoter import T_decide, fixtures

def later() -> None:
    from tests.promoter.T_integration import carries

PROBE = """
import sys
from tests.pipeline.T_template import HOSTILE
"""
from tests.promoter.fixtures import carries
from tests.promoter.snapshots import snap
'''.replace("T_", "test_")
    assert imports_of_test_modules(source) == [
        (2, "tests.agent.test_agent"),
        (3, "tests.pipeline.test_yamlstrict"),
        (4, "tests.promoter.test_decide"),
        (7, "tests.promoter.test_integration"),
        (11, "tests.pipeline.test_template"),
    ]
