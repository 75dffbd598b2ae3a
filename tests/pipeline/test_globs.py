"""Path globs of `spec.strategies`: the documented syntax, matched in linear time."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.globs import glob_match
from pipeline.strategy_rules import Match


def regex_reference(pattern: str, path: str) -> bool:
    """The syntax as a backtracking regular expression: the reference the matcher must agree with
    (exponential on some patterns, so only asked about small ones)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.fullmatch("".join(out), path, re.DOTALL) is not None


TABLE = [
    ("economy/**", "economy/items.yaml", True),
    ("economy/**", "economy/deep/items.yaml", True),
    ("economy/**", "economy/", True),
    ("economy/**", "economy", False),
    ("economy/*", "economy/deep/items.yaml", False),
    ("economy/*", "economy/items.yaml", True),
    ("**/items.yaml", "items.yaml", True),
    ("**/items.yaml", "economy/items.yaml", True),
    ("**/items.yaml", "a/b/c/items.yaml", True),
    ("**/items.yaml", "economy/myitems.yaml", False),
    ("a/**/b.yaml", "a/b.yaml", True),
    ("a/**/b.yaml", "a/x/y/b.yaml", True),
    ("a/**/b.yaml", "ab.yaml", False),
    ("a**/b", "ab", True),
    ("a**/b", "axx/yy/b", True),
    ("**", "", True),
    ("**", "a/b/c", True),
    ("*", "", True),
    ("*", "a/b", False),
    ("***", "a/b", True),
    ("***/x", "a/b/x", True),
    ("economy/*.yaml", "economy/items.json", False),
    ("economy/it?ms.yaml", "economy/items.yaml", True),
    ("economy/it?ms.yaml", "economy/it/ms.yaml", False),
    ("economy", "economy/items.yaml", False),
    ("economy/[x].yaml", "economy/[x].yaml", True),
    ("economy/[x].yaml", "economy/x.yaml", False),
    ("a.b", "axb", False),
    ("*.yaml", "line\nbreak.yaml", True),
    ("", "", True),
    ("", "a", False),
]


@pytest.mark.parametrize(("pattern", "path", "hit"), TABLE)
def test_the_documented_syntax(pattern: str, path: str, hit: bool) -> None:
    assert glob_match(pattern, path) is hit
    assert regex_reference(pattern, path) is hit  # the table is the syntax as it always was


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="ab/*?.", max_size=9),
    st.text(alphabet="ab/.", max_size=10),
)
def test_the_matcher_agrees_with_the_regular_expression_on_small_patterns(pattern: str, path: str) -> None:
    assert glob_match(pattern, path) is regex_reference(pattern, path)


# Far beyond what a backtracking expression finishes: 12 stars against 33 characters took 48 s,
# and each 2 more characters 4 times as long.
PATHOLOGICAL = "*a" * 30 + "*b"
LONG_PATH = "economy/" + "a" * 200 + ".yaml"
LONG_HIT = "economy/" + "a" * 200 + "b"
PROBE = f"""
from pipeline.strategy_rules import Match
match = Match(paths=({PATHOLOGICAL!r}, "economy/" + {PATHOLOGICAL!r}))
assert not match.covers({LONG_PATH!r}, None)
assert match.covers({LONG_HIT!r}, None)
print("done")
"""


def test_a_pathological_glob_is_matched_in_linear_time() -> None:
    # A subprocess with a generous limit: a regression is stopped rather than left running.
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=10, check=False)
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr


def test_a_rule_covers_a_file_by_its_glob() -> None:
    match = Match(paths=("economy/**", "**/events/*.yaml"))
    assert match.covers("economy/store.yaml", None)
    assert match.covers("a/events/winter.yaml", None)
    assert not match.covers("balance/weapons.yaml", None)
