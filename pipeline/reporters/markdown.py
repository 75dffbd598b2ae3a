from __future__ import annotations

from typing import TextIO

from pipeline.reporters.text import summary_line
from pipeline.validate import ValidationResult

MAX_ROWS = 200


def escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: ValidationResult) -> str:
    icon = "✅" if result.ok else "❌"
    lines = [f"### {icon} HotSwap validation", "", summary_line(result), ""]
    if result.findings:
        lines += ["| File | Line | Rule | Message |", "| --- | --- | --- | --- |"]
        for f in result.findings[:MAX_ROWS]:
            lines.append(f"| `{escape_cell(f.file)}` | {f.line}:{f.column} | `{f.rule}` | {escape_cell(f.message)} |")
        if len(result.findings) > MAX_ROWS:
            lines.append(f"\n… and {len(result.findings) - MAX_ROWS} more findings.")
        lines.append("")
    return "\n".join(lines)


def report(result: ValidationResult, out: TextIO) -> None:
    out.write(render(result) + "\n")
