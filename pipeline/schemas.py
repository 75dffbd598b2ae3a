"""JSON Schemas (draft 2020-12), one per kind, turned into findings with positions."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from pipeline.documents import Document
from pipeline.findings import Finding

ENVELOPE = "Envelope"
SCHEMA_DIR = "schemas"
SCHEMA_SUFFIX = ".schema.json"
PACKAGED_SCHEMAS = Path(__file__).resolve().parent.parent / SCHEMA_DIR


class SchemaLoadError(Exception):
    """A schema file that cannot be used: an environment problem (exit 2), not a config finding."""


@dataclass(frozen=True)
class SchemaSet:
    validators: Mapping[str, Draft202012Validator]

    @classmethod
    def from_mapping(cls, schemas: Mapping[str, dict[str, Any]], check: bool = True) -> SchemaSet:
        """Build validators; `check` first validates each schema against the draft 2020-12 meta-schema
        (a third of a second; skipped when the schemas are known unchanged since they last passed)."""
        if ENVELOPE not in schemas:
            raise SchemaLoadError(f"no {ENVELOPE}{SCHEMA_SUFFIX}")
        registry: Registry[Any] = Registry().with_resources(
            (name + SCHEMA_SUFFIX, Resource.from_contents(schema)) for name, schema in schemas.items()
        )
        validators = {}
        for name, schema in schemas.items():
            try:
                if check:
                    Draft202012Validator.check_schema(schema)
            except Exception as exc:
                raise SchemaLoadError(f"{name}{SCHEMA_SUFFIX}: not a valid JSON Schema: {exc}") from None
            validators[name] = Draft202012Validator(_inline_file_refs(schema, schemas), registry=registry)
        return cls(validators)

    @classmethod
    def from_dir(cls, directory: Path, check: bool = True) -> SchemaSet:
        schemas: dict[str, dict[str, Any]] = {}
        if not directory.is_dir():
            raise SchemaLoadError(f"schema directory {directory} does not exist")
        for path in sorted(directory.glob("*" + SCHEMA_SUFFIX)):
            try:
                schemas[path.name.removesuffix(SCHEMA_SUFFIX)] = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise SchemaLoadError(f"{path}: {exc}") from None
        return cls.from_mapping(schemas, check)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.validators) - {ENVELOPE}

    def check(self, doc: Document) -> list[Finding]:
        validator = self.validators.get(doc.kind) or self.validators[ENVELOPE]
        return [f for error in validator.iter_errors(doc.data) for f in _to_findings(doc, error)]


def _inline_file_refs(schema: Any, schemas: Mapping[str, dict[str, Any]], depth: int = 0) -> Any:
    """Replace `{"$ref": "<Kind>.schema.json"}` with that schema, once, at load time.

    jsonschema resolves a $ref through URL joins on every document; the kind schemas all start
    with a reference to the envelope, so inlining it makes validation markedly faster. The files
    keep the $ref, so other tools (check-jsonschema, editors) read them unchanged.
    """
    if isinstance(schema, list):
        return [_inline_file_refs(item, schemas, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if len(schema) == 1 and isinstance(ref, str) and ref.endswith(SCHEMA_SUFFIX) and depth < 4:
        target = schemas.get(ref.removesuffix(SCHEMA_SUFFIX))
        if target is not None:
            inlined = {k: v for k, v in target.items() if k not in ("$schema", "$id")}
            return _inline_file_refs(inlined, schemas, depth + 1)
    return {key: _inline_file_refs(value, schemas, depth) for key, value in schema.items()}


def _describe(schema: Any) -> str:
    if isinstance(schema, dict) and isinstance(schema.get("description"), str):
        return f" ({schema['description']})"
    return ""


def _to_findings(doc: Document, error: ValidationError) -> Iterator[Finding]:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        for key in error.instance:
            if key in allowed:
                continue
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
            yield doc.finding([*path, key], "schema", f"unknown field {key!r}{suggestion}")
        return
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
        where = ".".join(str(p) for p in path) or "document"
        for key in missing:
            props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            yield doc.finding(path, "schema", f"{where}: missing required field {key!r}{_describe(props.get(key))}")
        return
    if error.validator in ("oneOf", "anyOf") and error.context:
        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        detail = best_match(error.context).message
        message = f"expected {description[0].lower() + description[1:]}" if description else detail
        yield doc.finding(path, "schema", f"{_label(path)}{message.rstrip('.')} ({detail})")
        return
    yield doc.finding(path, "schema", f"{_label(path)}{error.message}{_describe(error.schema)}")


def _label(path: list[str | int]) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return f"{part}: "
    return ""
