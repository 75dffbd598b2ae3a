"""A finding is a value: every check returns them, reporters print them once at the end."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
JsonPath = tuple[str | int, ...]


def format_json_path(path: Sequence[str | int]) -> str:
    """`("spec", "weapons", 0, "damage")` -> `$.spec.weapons[0].damage`."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.replace("-", "").replace("_", "").isalnum():
            out.append(f".{part}")
        else:
            out.append("[" + repr(part) + "]")
    return "".join(out)


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    column: int
    rule: str
    message: str
    path: str = "$"
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings))
