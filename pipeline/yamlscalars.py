"""YAML scalars by the YAML 1.2 core schema: plain scalars resolved (`yes`, `on`, `2024-01-01` stay
strings), tags outside the core schema refused, numbers bounded to a 64-bit float's range, and the
span of a scalar's own text (past its anchor and tag) for positions and edits.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pipeline.parsed import Mark, Span, YamlError, beyond_float, too_large

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
MAP_TAG, SEQ_TAG = _CORE + "map", _CORE + "seq"

_NULL_RE = re.compile(r"~|null|Null|NULL|")
_BOOL_RE = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT_RE = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN"
)


def event_mark(event: Any) -> Mark:
    """An event's start as a 1-based line and column."""
    return event.start_mark.line + 1, event.start_mark.column + 1


def _resolve_plain(text: str) -> tuple[str, Any]:
    if _NULL_RE.fullmatch(text):
        return _NULL, None
    first = text[0]
    if first in "tTfF" and _BOOL_RE.fullmatch(text):
        return _BOOL, text[0] in "tT"
    if first in "-+0123456789.":
        if _INT_RE.fullmatch(text):
            return _INT, _to_int(text)
        if _FLOAT_RE.fullmatch(text):
            special = text.lstrip("+-").lower() in (".inf", ".nan")
            return _FLOAT, float(text.replace(".", "", 1) if special else text)
    return _STR, text


def _to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def scalar_value(event: Any) -> Any:
    try:
        value = _typed_value(event)
    except (ValueError, OverflowError):  # int() past 4,300 digits; float() of an integer past 1.8e308
        raise too_large(event.value, event_mark(event)) from None
    if isinstance(value, int) and beyond_float(value):
        raise too_large(event.value, event_mark(event))
    return value


def _typed_value(event: Any) -> Any:
    tag = event.tag
    text: str = event.value
    if tag is None or tag == "!":
        if tag is None and event.implicit[0]:
            _, value = _resolve_plain(text)
        else:
            value = text
    elif tag == _STR:
        value = text
    elif tag in (_INT, _FLOAT, _BOOL, _NULL):
        resolved, value = _resolve_plain(text)
        if resolved == _INT and tag == _FLOAT:
            value = float(value)
        elif resolved != tag:
            raise YamlError("yaml-tag", f"{text!r} is not a valid {tag.rsplit(':', 1)[1]}", *event_mark(event))
    else:
        raise YamlError("yaml-tag", f"tag {tag!r} is not allowed (only the YAML core schema)", *event_mark(event))
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlError("non-finite-number", f"{text!r}: infinity and NaN are not allowed", *event_mark(event))
    return value


# What may stand between a node's properties and its scalar: white space, line breaks (libyaml's
# set), comments, and further properties.
_SPACE = re.compile(r"[ \t\r\n\x85\u2028\u2029]+|#[^\r\n\x85\u2028\u2029]*")
_PROPERTY = re.compile(r"[&!][^ \t\r\n\x85\u2028\u2029,\[\]{}]*")


def scalar_span(text: str, event: Any) -> Span:
    """A scalar event's Span: libyaml's start is the node's (its properties first); the scalar's own
    start is past those, and a block scalar ends at its last non-blank character."""
    start, end = int(event.start_mark.index), int(event.end_mark.index)
    scalar = start
    if event.anchor is not None or event.tag is not None:
        while scalar < end and (found := (_SPACE.match(text, scalar) or _PROPERTY.match(text, scalar))):
            scalar = found.end()
    style = event.style or ""
    if style in ("|", ">"):
        end = scalar + len(text[scalar:end].rstrip(" \t\r\n\x85\u2028\u2029"))
    return Span(start, scalar, end, style)
