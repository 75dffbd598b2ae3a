"""The kill switch's edit by the loader's own positions: every way YAML or JSON can write an event's
end is edited in place and re-checked, and a form that cannot be edited safely is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contract.instants import format_instant
from pipeline.event_stop import Uneditable, stop_text
from pipeline.events_schedule import EventUnreadable, event_from_spec, read_event
from pipeline.parsed import DEFAULT_LIMITS
from pipeline.schemas import SchemaSet
from pipeline.sources import discover, read_worktree
from pipeline.validate import validate
from pipeline.yamlstrict import parse_file

REPO_ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 12, 20, 8, 30, 5, tzinfo=UTC)
STOP = format_instant(AT)  # what every writer writes: UTC, milliseconds, Z
END = "2027-01-04T17:00:00Z"
HEAD = """apiVersion: hotswap/v1
kind: LiveEvent
metadata: {name: festival, game: battle-royale, version: 1.0.0}
spec:
  displayName: Festival
  start: "2026-12-18T17:00:00Z"
  regions: [NA-WEST, APAC]
"""
WINDOW = "  windows:\n    - region: APAC\n      start: 2026-12-19T01:00:00Z\n"
FORMS = {
    "anchor": f"  end: &fin {END}\n",
    "str tag": f"  end: !!str {END}\n",
    "anchor, tag and a comment": f"  end: &fin !!str # until the patch\n    {END}\n",
    "value on the next line": f"  end:\n    {END}\n",
    "comment then the value": f"  end: # until the patch\n    '{END}'\n",
    "folded block scalar": f"  end: >-\n    {END}\n\n  # the shop opens again after it\n",
    "literal block scalar": f"  end: |-\n    {END}\n",
    "explicit key": f"  ? end\n  : {END}\n",
    "explicit quoted key, value on the next line": f'  ? "end"\n  :\n    "{END}"\n',
    "single quoted": f"  end: '{END}'\n",
    "double quoted": f'  end: "{END}"\n',
    "flow mapping": "",  # the window below is a flow mapping with a quoted "end" key
}


def event_text(form: str) -> str:
    if form == "flow mapping":  # spec.end plain, windows[0] a flow mapping with a quoted end
        window = f'  windows:\n    - {{region: APAC, start: 2026-12-19T01:00:00Z, "end": "{END}"}}\n'
        return HEAD + f"  end: {END}\n" + FORMS[form] + window
    in_window = "".join(f"    {line}" if line.strip() else line for line in FORMS[form].splitlines(keepends=True))
    return HEAD + FORMS[form] + WINDOW + in_window


def loaded(path: str, text: str) -> Any:
    return parse_file(path, text, DEFAULT_LIMITS).value


def valid(tmp_path: Path, path: str, text: str) -> list[str]:
    """The error findings of `hotswap validate` on the shipped game with this event file in it."""
    root = tmp_path / "repo"
    (root / "configs").mkdir(parents=True)
    game = root / "configs/battle-royale"
    game.mkdir()
    (game / "rollout-policy.yaml").write_text((REPO_ROOT / "configs/battle-royale/rollout-policy.yaml").read_text())
    (game / path).write_text(text)
    sources = read_worktree(root, discover(root), DEFAULT_LIMITS)
    result = validate(sources, SchemaSet.from_dir(REPO_ROOT / "schemas"))
    return [f"{f.file}:{f.line} {f.rule} {f.message}" for f in result.findings if f.severity == "error"]


def stopped(before: Any, *paths: tuple[str | int, ...]) -> Any:
    """`before` (a fresh copy) with the stop instant at each path."""
    after = json.loads(json.dumps(before))
    for path in paths:
        node = after
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = STOP
    return after


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_of_end_is_edited_in_place_and_loads_validates_and_changes_only_the_ends(
    tmp_path: Path, form: str
) -> None:
    text = event_text(form)
    assert valid(tmp_path / "before", "festival.yaml", text) == []
    before = loaded("festival.yaml", text)
    edited = stop_text("festival.yaml", text, "festival", AT)
    assert edited is not None
    assert loaded("festival.yaml", edited) == stopped(before, ("spec", "end"), ("spec", "windows", 0, "end"))
    assert valid(tmp_path / "after", "festival.yaml", edited) == []
    assert stop_text("festival.yaml", edited, "festival", AT) == edited  # twice is once


def test_a_json_key_written_with_an_escape_and_escaped_values_are_edited(tmp_path: Path) -> None:
    text = (
        '{"apiVersion": "hotswap/v1", "kind": "LiveEvent",\n'
        ' "metadata": {"name": "festival", "game": "battle-royale", "version": "1.0.0"},\n'
        ' "spec": {"displayName": "F\\u00eate", "start": "2026-12-18T17:00:00Z",\n'
        '  "\\u0065nd"  :  "2027-01-04T17:00:00\\u005a", "regions": ["NA-WEST", "APAC"],\n'
        '  "windows": [{"region": "APAC", "start": "2026-12-19T01:00:00Z", "e\\u006ed":"2027-01-05T01:00:00Z"}]}}\n'
    )
    assert valid(tmp_path / "before", "festival.json", text) == []
    before = loaded("festival.json", text)
    edited = stop_text("festival.json", text, "festival", AT)
    assert edited is not None
    assert loaded("festival.json", edited) == stopped(before, ("spec", "end"), ("spec", "windows", 0, "end"))
    assert f'"\\u0065nd"  :  "{STOP}"' in edited and '"F\\u00eate"' in edited
    assert valid(tmp_path / "after", "festival.json", edited) == []


def test_a_window_not_started_yet_gets_its_start_edited_too() -> None:
    text = HEAD + f"  end: {END}\n" + "  windows:\n    - region: APAC\n      start: &s 2026-12-21T01:00:00Z\n"
    text += f"      end: !!str\n        {END}\n"
    edited = stop_text("festival.yaml", text, "festival", AT)
    assert edited is not None
    window = loaded("festival.yaml", edited)["spec"]["windows"][0]
    assert window == {"region": "APAC", "start": "2026-12-20T08:30:04.000Z", "end": STOP}
    assert "start: &s 2026-12-20T08:30:04.000Z" in edited


def test_an_alias_of_the_end_edited_with_its_anchor_is_fine() -> None:
    text = HEAD + f"  end: &fin {END}\n" + "  windows:\n    - {region: APAC, start: 2026-12-19T01:00:00Z, end: *fin}\n"
    edited = stop_text("festival.yaml", text, "festival", AT)
    assert edited is not None and loaded("festival.yaml", edited)["spec"]["windows"][0]["end"] == STOP


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        # the anchor is shared with the display name: editing it would rename the event
        (HEAD.replace("Festival", "*fin").replace("  displayName", f"  end: &fin {END}\n  displayName"), 5, "spec.end"),
        # the end is an alias of a value that is not an end: there is nothing of its own to edit
        (HEAD.replace("Festival", f"&d {END}") + "  ? end\n  : *d\n", 8, "spec.end"),
    ],
    ids=["anchor used elsewhere", "alias of another field"],
)
def test_a_form_that_cannot_be_edited_safely_is_refused_with_file_line_and_field(
    text: str, line: int, field: str
) -> None:
    assert loaded("festival.yaml", text)["spec"]["end"] == END
    with pytest.raises(Uneditable) as refused:
        stop_text("events/festival.yaml", text, "festival", AT)
    assert (refused.value.path, refused.value.line, refused.value.field) == ("events/festival.yaml", line, field)
    assert str(refused.value).startswith(f"events/festival.yaml:{line}: {field}: ")


def test_an_event_spec_of_any_shape_is_read_or_named_never_a_crash() -> None:
    spec = {"start": "2026-12-18T17:00:00Z", "end": END, "regions": ["NA-WEST"], "windows": ["NA-WEST"]}
    assert event_from_spec("festival", spec) is None
    with pytest.raises(EventUnreadable, match=r"spec\.windows\[0\] is not a mapping"):
        read_event("festival", spec)
    with pytest.raises(EventUnreadable, match=r"spec\.regions is not a list"):
        read_event("festival", {**spec, "windows": [], "regions": "NA-WEST"})
    frozen = {**spec, "regions": ("NA-WEST",), "windows": ()}  # the agent's read-only documents
    assert read_event("festival", frozen).regions == ("NA-WEST",)
