"""Config documents: one file, one document, with the envelope checks that need no schema."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pipeline.findings import Finding, Severity, format_json_path
from pipeline.parsed import LIBYAML_LINE_BREAKS
from pipeline.spelling import spell
from pipeline.yamlstrict import DEFAULT_LIMITS, LoadLimits, Parsed, YamlError, decode, parse_file

CONFIG_ROOT = "configs"
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
KINDS = (
    "GameBalance",
    "Economy",
    "Matchmaking",
    "LiveEvent",
    "Performance",
    "AntiCheat",
    "RolloutPolicy",
    "Experiment",
)


@dataclass(frozen=True)
class SourceFile:
    """A config file's repository-relative POSIX path and its bytes, from a work tree or a git tree."""

    path: str
    data: bytes
    # Set when the source itself is unusable (symlink, unreadable, too large to read): a finding, not bytes.
    problem: tuple[str, str] | None = None


@dataclass(frozen=True)
class Document:
    file: str
    game: str
    parsed: Parsed

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = self.parsed.value
        return value

    @cached_property  # every rule asks every document, many times over
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    def finding(self, path: Sequence[str | int], rule: str, message: str, severity: str = "error") -> Finding:
        line, col = self.parsed.locate(path)
        sev: Severity = "warning" if severity == "warning" else "error"
        return Finding(self.file, line, col, rule, message, format_json_path(path), sev)

    def spec_finding(self, path: Sequence[str | int], rule: str, message: str, severity: str = "error") -> Finding:
        return self.finding(("spec", *path), rule, message, severity)


def game_of(path: str) -> str | None:
    """`configs/<game>/...` -> `<game>`; None for a path outside a game folder."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != CONFIG_ROOT:
        return None
    return parts[1]


def is_config_path(path: str) -> bool:
    return path.startswith(CONFIG_ROOT + "/") and path.endswith(CONFIG_SUFFIXES)


@dataclass(frozen=True)
class Loaded:
    document: Document | None
    findings: tuple[Finding, ...]


def load(source: SourceFile, limits: LoadLimits = DEFAULT_LIMITS) -> Loaded:
    """Parse one file strictly and check its envelope. A failure is a finding, never an exception."""
    path = source.path
    if source.problem is not None:
        rule, message = source.problem
        return Loaded(None, (Finding(path, 1, 1, rule, message),))
    game = game_of(path)
    if game is None:
        return Loaded(None, (Finding(path, 1, 1, "layout", "config files live in configs/<game>/"),))
    try:
        text = decode(source.data, limits)
        parsed = parse_file(path, text, limits)
    except YamlError as exc:
        line, column, message = exc.line, exc.column, exc.message
        tab = _indenting_tab(source.data, line) if exc.rule == "yaml-syntax" else None
        if tab is not None:
            line, column = tab
            message = "a tab in the indentation: indent with spaces, YAML does not allow tabs there"
        return Loaded(None, (Finding(path, line, column, exc.rule, message),))
    if not isinstance(parsed.value, dict):
        line, col = parsed.root_mark
        return Loaded(None, (Finding(path, line, col, "not-a-mapping", "the document must be a mapping"),))
    doc = Document(path, game, parsed)
    return Loaded(doc, tuple(_envelope_findings(doc)))


def _indenting_tab(data: bytes, line: int) -> tuple[int, int] | None:
    """The position of a tab in the indentation of `line` or the line before (where libyaml may
    stop after it), or None. Lines are counted as libyaml counts them, columns in characters."""
    lines = LIBYAML_LINE_BREAKS.split(data.decode("utf-8", "replace").removeprefix("\ufeff"), line)[:line]
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            text = lines[number - 1]
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in indent:
                return number, indent.index("\t") + 1
    return None


def _envelope_findings(doc: Document) -> Iterable[Finding]:
    if not NAME_RE.fullmatch(doc.game):
        yield Finding(doc.file, 1, 1, "invalid-name", f"game folder {doc.game!r} must match [a-z0-9][a-z0-9-]{{0,62}}")
    kind = doc.data.get("kind")
    if kind is not None and kind not in KINDS:
        yield doc.finding(("kind",), "unknown-kind", f"unknown kind {spell(kind)}; expected one of {', '.join(KINDS)}")
    name = doc.metadata.get("name")
    if isinstance(name, str) and not NAME_RE.fullmatch(name):
        yield doc.finding(
            ("metadata", "name"),
            "invalid-name",
            f"name {spell(name)} must match [a-z0-9][a-z0-9-]{{0,62}} (lower case, digits, dashes)",
        )
    game = doc.metadata.get("game")
    if game is not None and game != doc.game:
        yield doc.finding(
            ("metadata", "game"),
            "game-mismatch",
            f"metadata.game is {spell(game)} but the file is in configs/{doc.game}/",
        )


# Envelope paths whose problems the loader reports with a dedicated rule; the schema's
# finding for the same path would only repeat it.
ENVELOPE_PATHS = {"$.kind", "$.metadata.name", "$.metadata.game"}
