"""JSON Schemas (draft 2020-12), one per kind, turned into findings with positions.

Two validators read the same schemas. jsonschema-rs (compiled) answers "is this document
valid?" about a hundred times faster than jsonschema; only for a document it rejects does
jsonschema run, because its errors carry what the messages need (paths, the failing keyword,
the sub-schema with its description). jsonschema stays the authority: a document the fast
validator rejects but jsonschema accepts gets no finding.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.schema_messages import to_findings

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

ENVELOPE = "Envelope"
SCHEMA_DIR = "schemas"
SCHEMA_SUFFIX = ".schema.json"
# The schemas the product ships: in the checkout a link to the repository's schemas/ (one copy), in an
# installed package real files (package data), so an install outside the checkout finds them too.
PACKAGED_SCHEMAS = Path(__file__).resolve().parent / "bundled_schemas"


class SchemaLoadError(Exception):
    """A schema file that cannot be used: an environment problem (exit 2), not a config finding."""


@dataclass(frozen=True)
class SchemaSet:
    # Kind -> the schema with its file references inlined (see _inline_file_refs).
    schemas: Mapping[str, dict[str, Any]]
    # Kind -> compiled validator; a kind missing here (a schema jsonschema-rs cannot compile) uses jsonschema.
    fast: Mapping[str, jsonschema_rs.Validator] = field(repr=False)
    # jsonschema validators, built on first need: importing and building them costs more than
    # a one-file check takes otherwise.
    _slow: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_mapping(cls, schemas: Mapping[str, dict[str, Any]], check: bool = True) -> SchemaSet:
        """Build validators; `check` first validates each schema against the draft 2020-12 meta-schema
        (skipped when the schemas are known unchanged since they last passed)."""
        if ENVELOPE not in schemas:
            raise SchemaLoadError(f"no {ENVELOPE}{SCHEMA_SUFFIX}")
        inlined: dict[str, dict[str, Any]] = {}
        fast: dict[str, jsonschema_rs.Validator] = {}
        for name, schema in schemas.items():
            if check:
                _check_schema(name, schema)
            inlined[name] = _inline_file_refs(schema, schemas)
            # Offline: a remote $ref is never fetched; what it cannot compile is left to jsonschema.
            with contextlib.suppress(Exception):
                fast[name] = jsonschema_rs.Draft202012Validator(inlined[name], validate_formats=False, offline=True)
        return cls(inlined, fast)

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
        return frozenset(self.schemas) - {ENVELOPE}

    def check(self, doc: Document) -> list[Finding]:
        name = doc.kind if doc.kind in self.schemas else ENVELOPE
        fast = self.fast.get(name)
        if fast is not None and _fast_valid(fast, doc.data):
            return []
        return [f for error in self.slow(name).iter_errors(doc.data) for f in to_findings(doc, error)]

    def passes(self, doc: Document) -> bool:
        """The compiled validator's verdict alone, for a document no finding is reported on (jsonschema
        is not even imported). Where the two could differ (Python's and ECMA's regex dialects), this
        errs towards "fails": the rules then judge the document as flawed, which is what they do for
        every file with a schema error, and nothing is reported on it anyway."""
        name = doc.kind if doc.kind in self.schemas else ENVELOPE
        fast = self.fast.get(name)
        if fast is not None:
            return _fast_valid(fast, doc.data)
        return bool(self.slow(name).is_valid(doc.data))

    def slow(self, name: str) -> Draft202012Validator:
        validator = self._slow.get(name)
        if validator is None:
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource

            registry: Registry[Any] = Registry().with_resources(
                (kind + SCHEMA_SUFFIX, Resource.from_contents(schema)) for kind, schema in self.schemas.items()
            )
            validator = self._slow[name] = Draft202012Validator(self.schemas[name], registry=registry)
        return validator


def _fast_valid(validator: jsonschema_rs.Validator, data: Any) -> bool:
    try:
        return bool(validator.is_valid(data))
    except Exception:  # a value it cannot take: let jsonschema judge
        return False


def _check_schema(name: str, schema: Any) -> None:
    with contextlib.suppress(Exception):  # on any doubt, jsonschema below decides and says why
        if jsonschema_rs.meta.is_valid(schema):
            return
    from jsonschema import Draft202012Validator

    try:
        Draft202012Validator.check_schema(schema)
    except Exception as exc:
        raise SchemaLoadError(f"{name}{SCHEMA_SUFFIX}: not a valid JSON Schema: {exc}") from None


def _inline_file_refs(schema: Any, schemas: Mapping[str, dict[str, Any]], depth: int = 0) -> Any:
    """Replace `{"$ref": "<Kind>.schema.json"}` with that schema, once, at load time.

    Both validators then need no registry, and jsonschema no URL joins on every document. The
    files keep the $ref, so other tools (check-jsonschema, editors) read them unchanged.
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
