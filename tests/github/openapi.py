"""GitHub's published REST description (npm `@octokit/openapi`, installed by scripts/setup.sh into
node_modules), as JSON Schemas a response can be validated against."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
DESCRIPTION = REPO_ROOT / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
EXAMPLES = REPO_ROOT / "node_modules" / "@octokit" / "webhooks-examples" / "api.github.com"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type (jsonschema validates the latter)."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _registry() -> tuple[dict[str, Any], referencing.Registry[Any]]:
    doc = _nullable(json.loads(DESCRIPTION.read_text()))
    resource = referencing.Resource.from_contents(doc, default_specification=DRAFT202012)
    return doc, referencing.Registry().with_resource("urn:github", resource)


def _pointer(*parts: str) -> str:
    return "".join("/" + quote(p.replace("~", "~0").replace("/", "~1"), safe="~") for p in parts)


def response_errors(method: str, template: str, status: int, body: Any) -> list[str]:
    """Where `body` departs from GitHub's schema for that operation's `status` answer."""
    doc, registry = _registry()
    where = ["paths", template, method.lower(), "responses", str(status)]
    response = doc["paths"][template][method.lower()]["responses"][str(status)]
    if "$ref" in response:  # a shared response: #/components/responses/<name>
        where = ["components", "responses", response["$ref"].rsplit("/", 1)[-1]]
    schema = {"$ref": "urn:github#" + _pointer(*where, "content", "application/json", "schema")}
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(body)]
