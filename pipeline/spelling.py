"""Values as a YAML author writes them: `true`, `null`, `[a, b]`, never Python's `True` or `['a', 'b']`.

Messages quote values from a user's file; they are bounded here so that a 1 MiB string or a
huge number can never make a message long (or make `str()` raise on a huge integer).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_TEXT = 60
MAX_ITEMS = 8
# A plain scalar that reads the same in YAML and needs no quotes inside a flow list.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = re.compile(r"(?i:true|false|null|yes|no|on|off|y|n|~)")


def spell(value: Any, quote: bool = True) -> str:
    """`value` in YAML 1.2 flow style; strings quoted unless `quote` is false and they are plain."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value, quote)
    if isinstance(value, list):
        items = [spell(v, quote=False) for v in value[:MAX_ITEMS]]
        return "[" + ", ".join(items + (["..."] if len(value) > MAX_ITEMS else [])) + "]"
    if isinstance(value, dict):
        pairs = [f"{spell(k, quote=False)}: {spell(v, quote=False)}" for k, v in list(value.items())[:MAX_ITEMS]]
        return "{" + ", ".join(pairs + (["..."] if len(value) > MAX_ITEMS else [])) + "}"
    return _string(str(value), quote)


def spell_list(values: Any) -> str:
    """`['a', 'b']` -> `a, b`: choices in a sentence."""
    items = values if isinstance(values, list) else [values]
    return ", ".join(spell(v, quote=False) for v in items)


def _integer(value: int) -> str:
    if abs(value) < 10**30:
        return str(value)
    return f"an integer of {value.bit_length()} bits"  # never str(): Python refuses over 4,300 digits


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)


def _string(value: str, quote: bool) -> str:
    text = value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "..."
    if not quote and _PLAIN.fullmatch(text) and not _RESERVED.fullmatch(text):
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text)  # escapes for control characters, which a single-quoted scalar cannot hold
