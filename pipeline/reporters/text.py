from __future__ import annotations

from typing import TextIO

from pipeline.validate import ValidationResult


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(result: ValidationResult) -> str:
    if result.ok:
        tail = f", {_plural(result.warnings, 'warning')}" if result.warnings else ""
        return (
            f"ok: {_plural(len(result.files), 'file')} valid "
            f"({_plural(result.documents, 'document')}, {_plural(len(result.games), 'game')}){tail}"
        )
    return (
        f"failed: {_plural(result.errors, 'error')}, {_plural(result.warnings, 'warning')} "
        f"in {result.failed_files} of {_plural(len(result.files), 'file')}"
    )


def report(result: ValidationResult, out: TextIO) -> None:
    for f in result.findings:
        severity = "warning: " if f.severity == "warning" else ""
        out.write(f"{f.file}:{f.line}:{f.column}: {severity}{f.message} [{f.rule}]\n")
    out.write(summary_line(result) + "\n")
