"""Reporters turn a ValidationResult into text for people, JSON for scripts, or GitHub annotations."""

from __future__ import annotations

from typing import Protocol, TextIO

from pipeline.reporters import github, json_reporter, markdown, text
from pipeline.validate import ValidationResult


class Reporter(Protocol):
    def __call__(self, result: ValidationResult, out: TextIO) -> None: ...


REPORTERS: dict[str, Reporter] = {
    "text": text.report,
    "json": json_reporter.report,
    "github": github.report,
    "markdown": markdown.report,
}
