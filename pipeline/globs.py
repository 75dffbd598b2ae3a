"""Path globs of `spec.strategies[].match.paths`, matched in time linear in the path.

`*` matches within one folder (no `/`), `**/` any number of whole folders (none included),
`**` anything, `?` one character other than `/`; every other character stands for itself; the whole
path must match. A pattern is read left to right, so `***` is `**` then `*`.

A backtracking regular expression takes exponential time on a pattern such as `*a*a*a*a*b`
against a long run of `a`s, and a policy is written by whoever writes a release. So the pattern is
compiled into a small automaton whose states are simulated all at once: each character of the path
is looked at once per state, O(len(pattern) * len(path)) whatever the pattern.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple

Kind = Literal["literal", "one", "star", "any", "folders", "folder-end"]


class _Node(NamedTuple):
    """One state of the automaton; a state's successor is the next node.
    literal: `char` then the next; one: any character but `/` then the next; star: any characters
    but `/` (stays), or on; any: any characters (stays), or on; folders: skips its `folder-end`
    node or enters it; folder-end: any characters (stays), and a `/` leads on."""

    kind: Kind
    char: str = ""


@lru_cache(maxsize=512)
def _compile(pattern: str) -> tuple[_Node, ...]:
    nodes: list[_Node] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            nodes += [_Node("folders"), _Node("folder-end")]
            i += 3
        elif pattern.startswith("**", i):
            nodes.append(_Node("any"))
            i += 2
        elif pattern[i] == "*":
            nodes.append(_Node("star"))
            i += 1
        elif pattern[i] == "?":
            nodes.append(_Node("one"))
            i += 1
        else:
            nodes.append(_Node("literal", pattern[i]))
            i += 1
    return tuple(nodes)


def _closure(nodes: tuple[_Node, ...], states: set[int]) -> set[int]:
    """The states reachable without reading a character (those moves only go forward)."""
    todo, seen = sorted(states), set(states)
    while todo:
        state = todo.pop()
        if state == len(nodes):
            continue
        kind = nodes[state].kind
        targets = (state + 1,) if kind in ("star", "any") else (state + 1, state + 2) if kind == "folders" else ()
        for target in targets:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _step(nodes: tuple[_Node, ...], states: set[int], char: str) -> set[int]:
    after: set[int] = set()
    for state in states:
        if state == len(nodes):
            continue
        node = nodes[state]
        if node.kind == "literal":
            if char == node.char:
                after.add(state + 1)
        elif node.kind == "one":
            if char != "/":
                after.add(state + 1)
        elif node.kind == "star":
            if char != "/":
                after.add(state)
        elif node.kind in ("any", "folder-end"):
            after.add(state)
            if node.kind == "folder-end" and char == "/":
                after.add(state + 1)
    return after


def glob_match(pattern: str, path: str) -> bool:
    """Whether the whole `path` matches `pattern` (see the module's note for the syntax)."""
    nodes = _compile(pattern)
    states = _closure(nodes, {0})
    for char in path:
        states = _closure(nodes, _step(nodes, states, char))
        if not states:
            return False
    return len(nodes) in states
