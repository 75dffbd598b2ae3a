"""Validation of a set of config files: load, envelope, schema, semantic rules. Pure over SourceFiles."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from pipeline import references
from pipeline.documents import ENVELOPE_PATHS, Document, SourceFile, game_of, load
from pipeline.findings import Finding, sort_findings
from pipeline.game import GameView
from pipeline.rules import Rule, run_rules
from pipeline.schemas import SchemaSet
from pipeline.yamlstrict import DEFAULT_LIMITS, LoadLimits


@dataclass(frozen=True)
class ChangeSet:
    """What `--changed-since` knows: the changed paths and the symbols their old versions defined."""

    paths: frozenset[str]
    old_symbols: frozenset[references.Symbol] = frozenset()
    # Also report on the files whose references point into the changed ones.
    follow_references: bool = True


@dataclass(frozen=True)
class ValidationResult:
    files: tuple[str, ...]
    documents: int
    games: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())
    # Every document that parsed, in or out of the report: callers need not load the files again.
    parsed: tuple[Document, ...] = field(default=(), repr=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def failed_files(self) -> int:
        return len({f.file for f in self.findings if f.severity == "error"})


def validate(
    sources: Sequence[SourceFile],
    schemas: SchemaSet,
    limits: LoadLimits = DEFAULT_LIMITS,
    changed: ChangeSet | None = None,
    rules: dict[str, Rule] | None = None,
) -> ValidationResult:
    """Check every source; with `changed`, report only on changed files and the files that depend on them.

    Everything is reported in one pass: a document with schema errors still goes through the
    semantic rules for what can be judged (see pipeline.rules.run_rules).
    """
    findings: list[Finding] = []
    loaded = [load(source, limits) for source in sources]
    parsed: dict[str, list[Document]] = {}
    unloaded: dict[str, list[str]] = {}
    for source, result in zip(sources, loaded, strict=True):
        findings.extend(result.findings)
        if result.document is not None:
            parsed.setdefault(result.document.game, []).append(result.document)
        elif any(f.severity == "error" for f in result.findings) and (game := game_of(source.path)):
            unloaded.setdefault(game, []).append(source.path)
    report = None if changed is None else _affected(changed, parsed)
    valid: dict[str, list[Document]] = {}
    flaws: dict[str, frozenset[str]] = {}
    for result in loaded:
        doc = result.document
        if doc is None:
            continue
        if report is None or doc.file in report:
            envelope = {f.path for f in result.findings}
            schema_findings = [f for f in schemas.check(doc) if not (f.path in ENVELOPE_PATHS and f.path in envelope)]
            findings.extend(schema_findings)
            ok = not schema_findings
            flaws[doc.file] = frozenset(f.path for f in (*result.findings, *schema_findings))
        else:  # not reported: only whether the rules may rely on it matters, which the fast validator says
            ok = schemas.passes(doc)
        if ok and not result.findings:
            valid.setdefault(doc.game, []).append(doc)
    for game, docs in sorted(parsed.items()):
        view = GameView(game, tuple(valid.get(game, ())), tuple(docs), tuple(sorted(unloaded.get(game, ()))), flaws)
        findings.extend(run_rules(view, rules, report))

    files = [s.path for s in sources]
    if report is not None:
        files = [f for f in files if f in report]
        findings = [f for f in findings if f.file in report]
    file_set = set(files)
    docs = [d for game_docs in parsed.values() for d in game_docs if d.file in file_set]
    return ValidationResult(
        files=tuple(sorted(files)),
        documents=len(docs),
        games=tuple(sorted({d.game for d in docs})),
        findings=tuple(sort_findings(findings)),
        parsed=tuple(d for game_docs in parsed.values() for d in game_docs),
    )


def _affected(changed: ChangeSet, parsed: dict[str, list[Document]]) -> Collection[str]:
    docs = [d for game_docs in parsed.values() for d in game_docs]
    symbols = set(changed.old_symbols)
    for doc in docs:
        if doc.file in changed.paths:
            symbols.update(symbol for _, symbol in references.definitions(doc))
    report = set(changed.paths)
    if not changed.follow_references:
        return report
    for doc in docs:
        if any(symbol in symbols for _, symbol in references.references(doc)):
            report.add(doc.file)
    return report
