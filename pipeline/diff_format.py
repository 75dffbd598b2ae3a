"""Text, JSON and markdown renderings of a DiffResult."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipeline.diff import DiffResult, FileDiff, ValueChange
from pipeline.reporters.markdown import escape_cell

FORMAT_VERSION = 1
MAX_VALUE = 80


def show(value: Any) -> str:
    text = (
        json.dumps(value, sort_keys=True, ensure_ascii=False)
        if isinstance(value, dict | list)
        else (json.dumps(value) if value is None or isinstance(value, bool) else str(value))
    )
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def describe(change: ValueChange) -> str:
    if change.op == "added":
        return f"+ {change.path}: {show(change.new)}"
    if change.op == "removed":
        return f"- {change.path}: {show(change.old)}"
    rel = change.relative
    pct = f" ({rel:+.1%})" if rel is not None else ""
    return f"~ {change.path}: {show(change.old)} → {show(change.new)}{pct}"


def _title(f: FileDiff) -> str:
    where = f"{f.old_path} → {f.new_path}" if f.status == "renamed" else f.path
    what = f" ({f.kind} {f.name})" if f.kind else ""
    return f"{where}{what} {f.status}"


def to_text(result: DiffResult) -> str:
    if not result.files:
        return f"no config changes between {result.base[:12]} and {result.head[:12]}\n"
    lines = [f"configs changed between {result.base[:12]} and {result.head[:12]}"]
    for game in result.games():
        lines.append(f"{game}:")
        for f in (f for f in result.files if f.game == game):
            lines.append(f"  {_title(f)}")
            if f.error:
                lines.append(f"    ! {f.error}")
            lines.extend(f"    {describe(c)}" for c in f.changes)
    return "\n".join(lines) + "\n"


def as_dict(result: DiffResult) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "base": result.base,
        "head": result.head,
        "files": [
            {
                "game": f.game,
                "status": f.status,
                "oldPath": f.old_path,
                "newPath": f.new_path,
                "kind": f.kind,
                "name": f.name,
                "error": f.error,
                "changes": [
                    {"path": c.path, "op": c.op, "old": c.old, "new": c.new, "relative": c.relative} for c in f.changes
                ],
            }
            for f in result.files
        ],
    }


def to_json(result: DiffResult) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"


def to_markdown(result: DiffResult) -> str:
    lines = [f"### Config diff `{result.base[:12]}` → `{result.head[:12]}`", ""]
    if not result.files:
        return "\n".join([*lines, "No config changes.", ""])
    for game in result.games():
        lines += [f"#### {game}", ""]
        for f in (f for f in result.files if f.game == game):
            lines += [f"**{escape_cell(_title(f))}**", ""]
            if f.error:
                lines += [f"> ⚠️ {escape_cell(f.error)}", ""]
            if f.changes:
                lines += ["| Path | Before | After | Change |", "| --- | --- | --- | --- |"]
                for c in f.changes:
                    rel = f"{c.relative:+.1%}" if c.relative is not None else c.op
                    before = "" if c.op == "added" else f"`{escape_cell(show(c.old))}`"
                    after = "" if c.op == "removed" else f"`{escape_cell(show(c.new))}`"
                    lines.append(f"| `{escape_cell(c.path)}` | {before} | {after} | {rel} |")
                lines.append("")
    return "\n".join(lines)


FORMATS: dict[str, Callable[[DiffResult], str]] = {"text": to_text, "json": to_json, "markdown": to_markdown}
