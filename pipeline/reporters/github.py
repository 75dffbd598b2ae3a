"""GitHub Actions workflow commands, so findings annotate the pull request diff."""

from __future__ import annotations

import os
from typing import TextIO

from pipeline.reporters import markdown
from pipeline.reporters.text import summary_line
from pipeline.validate import ValidationResult


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report(result: ValidationResult, out: TextIO) -> None:
    for f in result.findings:
        command = "warning" if f.severity == "warning" else "error"
        props = ",".join(
            (
                f"file={_escape_property(f.file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property('hotswap ' + f.rule)}",
            )
        )
        out.write(f"::{command} {props}::{_escape_data(f.message + ' (' + f.path + ')')}\n")
    out.write(summary_line(result) + "\n")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(markdown.render(result) + "\n")
