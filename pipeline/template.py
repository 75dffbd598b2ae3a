"""Query templates: `{{ name }}` placeholders in PromQL, scanned in linear time.

One scanner for the validator (`query-variables`) and the promoter's renderer. A regex with
nested or adjacent overlapping quantifiers backtracks for minutes on a few KB of `{{`; this
scanner looks at each character a bounded number of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACE = re.compile(r"[{}]")


@dataclass(frozen=True)
class Variable:
    name: str  # stripped of surrounding whitespace


@dataclass(frozen=True)
class Template:
    parts: tuple[str | Variable, ...]  # literal text and placeholders, in order
    unbalanced: bool  # a `{{` or `}}` left in the literal text

    @property
    def variables(self) -> list[str]:
        return [p.name for p in self.parts if isinstance(p, Variable)]


def scan(text: str) -> Template:
    """`{{`, then no brace, then `}}` is a placeholder; everything else is literal text."""
    parts: list[str | Variable] = []
    literal = search = 0
    while (start := text.find("{{", search)) >= 0:
        brace = _BRACE.search(text, start + 2)
        if brace is not None and text.startswith("}}", brace.start()):
            parts += [text[literal:start], Variable(text[start + 2 : brace.start()].strip())]
            literal = search = brace.start() + 2
        else:
            # No placeholder opens here; the next `{{` is at start + 1 at the earliest. The brace
            # found is the first after start + 2, so the scans never overlap by more than a step.
            search = start + 1
    parts.append(text[literal:])
    rest = "".join(p for p in parts if isinstance(p, str))  # joined, as `}{{x}}}` leaves `}}`
    unbalanced = "{{" in rest or "}}" in rest
    return Template(tuple(p for p in parts if p != ""), unbalanced)
