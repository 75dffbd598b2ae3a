"""jsonschema errors as findings a config author understands: their words, YAML spellings, no regexes."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from contract.instants import INSTANT_PATTERN
from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.spelling import spell, spell_list

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

# The schemas' patterns, said the way a person would; an unknown pattern is shown as is.
DURATION = "^P(?!$)([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\\.[0-9]+)?S)?)?$"
PATTERN_FORMS = {
    DURATION: "an ISO 8601 duration such as PT30M (weeks, days, hours, minutes, seconds: P1D, PT1H30M, PT45S)",
    INSTANT_PATTERN: "an RFC 3339 instant with seconds and Z or an offset, such as 2026-12-01T18:00:00Z",
    "^[a-z0-9][a-z0-9-]{0,62}$": "a name of lower-case letters, digits and dashes such as rifle-ak",
    "^[A-Z][A-Z0-9-]{1,31}$": "a region name of capital letters, digits and dashes such as EU-WEST",
    "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$": (
        "a semantic version such as 1.2.0"
    ),
    "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$": "a dotted path such as weapons.rifle.damage",
}
TYPE_WORDS = {
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}
# YAML 1.1 booleans, which YAML 1.2 (and so HotSwap) reads as strings.
YAML11_BOOLEANS = {
    **dict.fromkeys(("yes", "Yes", "YES", "on", "On", "ON", "y", "Y"), "true"),
    **dict.fromkeys(("no", "No", "NO", "off", "Off", "OFF", "n", "N"), "false"),
}


def to_findings(doc: Document, error: ValidationError) -> Iterator[Finding]:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        for key in error.instance:
            if key in allowed:
                continue
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f"; did you mean {spell(hint[0])}?" if hint else f"; allowed: {', '.join(allowed)}"
            yield doc.finding([*path, key], "schema", f"unknown field {spell(key)}{suggestion}")
        return
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
        where = ".".join(str(p) for p in path) or "document"
        for key in missing:
            props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            yield doc.finding(
                path, "schema", f"{where}: missing required field {spell(key)}{_describe(props.get(key))}"
            )
        return
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        yield doc.finding([*path, error.instance], "schema", f"key {message(error)}")
        return
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        detail = message(best_match(error.context))
        text = f"expected {description[0].lower() + description[1:]}" if description else detail
        yield doc.finding(path, "schema", f"{_label(path)}{text.rstrip('.')} ({detail})")
        return
    said = error.validator == "pattern" and error.validator_value in PATTERN_FORMS
    yield doc.finding(path, "schema", f"{_label(path)}{message(error)}{'' if said else _describe(error.schema)}")


def message(error: ValidationError) -> str:
    """One error's sentence, the value first as the author wrote it."""
    value, keyword = error.instance, error.validator
    limit: Any = error.validator_value
    shown = spell(value)
    if keyword == "type":
        expected = " or ".join(TYPE_WORDS.get(str(t), str(t)) for t in (limit if isinstance(limit, list) else [limit]))
        text = f"{shown} is {_type_of(value)}, expected {expected}"
        if isinstance(value, str) and value in YAML11_BOOLEANS and "boolean" in str(limit):
            text += f"; write {YAML11_BOOLEANS[value]} (YAML 1.2 reads {value} as a string)"
        return text
    if keyword == "enum":
        hint = (
            difflib.get_close_matches(value, [v for v in limit if isinstance(v, str)], n=1)
            if isinstance(value, str) and isinstance(limit, list)
            else []
        )
        return f"{shown} is not one of [{spell_list(limit)}]" + (f"; did you mean {spell(hint[0])}?" if hint else "")
    if keyword == "const":
        return f"{shown} must be {spell(limit)}"
    if keyword == "pattern":
        form = PATTERN_FORMS.get(str(limit))
        return f"{shown} is not {form}" if form else f"{shown} does not match the pattern {limit}"
    bounds = {
        "minimum": "is less than the minimum of",
        "maximum": "is greater than the maximum of",
        "exclusiveMinimum": "is less than or equal to the minimum of",
        "exclusiveMaximum": "is greater than or equal to the maximum of",
        "multipleOf": "is not a multiple of",
    }
    if keyword in bounds:
        return f"{shown} {bounds[keyword]} {spell(limit)}"
    sizes = {
        "minItems": ("items", "at least"),
        "maxItems": ("items", "at most"),
        "minLength": ("characters", "at least"),
        "maxLength": ("characters", "at most"),
        "minProperties": ("entries", "at least"),
        "maxProperties": ("entries", "at most"),
    }
    if keyword in sizes and isinstance(value, str | list | dict):
        unit, bound = sizes[keyword]
        return f"has {len(value)} {unit}, " + (
            f"{bound} {limit} allowed" if "max" in keyword else f"needs {bound} {limit}"
        )
    if keyword == "uniqueItems" and isinstance(value, list):
        repeated = next((v for i, v in enumerate(value) if v in value[:i]), None)
        return f"lists {spell(repeated)} more than once"
    if keyword == "not":
        fields = _required_in(limit)
        return f"must not also have {' or '.join(fields)}" if fields else "is not allowed here"
    if keyword == "required" and isinstance(limit, list):
        return f"needs {', '.join(str(k) for k in limit)}"
    if limit is False:
        return "is not allowed here"
    return error.message


def _required_in(schema: Any) -> list[str]:
    """The fields a `not` forbids: `{required: [a]}` or `{anyOf: [{required: [a]}, ...]}`."""
    if not isinstance(schema, dict):
        return []
    if isinstance(schema.get("required"), list):
        return [str(k) for k in schema["required"]]
    return [k for sub in schema.get("anyOf", []) for k in _required_in(sub)]


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _describe(schema: Any) -> str:
    if isinstance(schema, dict) and isinstance(schema.get("description"), str):
        return f" ({schema['description']})"
    return ""


def _label(path: list[str | int]) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return f"{part}: "
    return ""
