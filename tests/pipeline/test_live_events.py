"""Live events, pure: the schedule by the clock, the kill switch's text edit, and validation of windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.event_stop import Stop, apply_stops, stop_text
from pipeline.events_schedule import event_from_spec, schedule
from tests.conftest import RunCli, git

T0 = datetime(2026, 12, 18, 17, 0, tzinfo=UTC)
SPEC = {
    "displayName": "Winter Festival",
    "start": "2026-12-18T17:00:00Z",
    "end": "2027-01-04T17:00:00Z",
    "regions": ["NA-WEST", "EU-WEST", "APAC"],
    "windows": [{"region": "APAC", "start": "2026-12-19T01:00:00Z", "end": "2027-01-05T01:00:00Z"}],
}
EVENT = """apiVersion: hotswap/v1
kind: LiveEvent
metadata:
  name: winter-festival  # the kill switch finds it by this name
  game: battle-royale
  version: 1.0.0
spec:
  start: "2026-12-18T17:00:00Z"
  end: '2027-01-04T17:00:00Z'
  regions: [NA-WEST, APAC]
  windows:
    - {region: APAC, start: 2026-12-19T01:00:00Z, end: 2027-01-05T01:00:00Z}  # local evening
"""


def test_states_and_the_next_boundary_per_region() -> None:
    event = event_from_spec("winter-festival", SPEC)
    assert event is not None
    before = schedule([event], "NA-WEST", T0 - timedelta(seconds=1))
    assert before.active == () and before.next_boundary == T0
    at = schedule([event], "NA-WEST", T0)  # the start is included
    assert at.active_names == ("winter-festival",) and at.next_boundary == datetime(2027, 1, 4, 17, tzinfo=UTC)
    apac = schedule([event], "APAC", T0)  # its own window
    assert [p.state for p in apac.scheduled] == ["scheduled"] and apac.next_boundary == datetime(
        2026, 12, 19, 1, tzinfo=UTC
    )
    end = schedule([event], "NA-WEST", datetime(2027, 1, 4, 17, tzinfo=UTC))  # the end is excluded
    assert end.active == () and len(end.ended) == 1 and end.next_boundary is None
    assert schedule([event], "EU-EAST", T0).as_json() == {"region": "EU-EAST", "active": [], "nextBoundary": None}


def test_the_stop_edits_only_the_times_and_twice_is_once() -> None:
    at = datetime(2026, 12, 18, 20, 30, 5, tzinfo=UTC)
    once = stop_text("events/w.yaml", EVENT, "winter-festival", at)
    assert once is not None
    changed = [(a, b) for a, b in zip(EVENT.splitlines(), once.splitlines(), strict=True) if a != b]
    assert changed == [
        ("  end: '2027-01-04T17:00:00Z'", "  end: '2026-12-18T20:30:05.000Z'"),
        (
            "    - {region: APAC, start: 2026-12-19T01:00:00Z, end: 2027-01-05T01:00:00Z}  # local evening",
            # a window not started yet becomes the second before the stop: over, and still valid
            "    - {region: APAC, start: 2026-12-18T20:30:04.000Z, end: 2026-12-18T20:30:05.000Z}  # local evening",
        ),
    ]
    assert stop_text("events/w.yaml", once, "winter-festival", at) == once
    assert stop_text("events/w.yaml", EVENT, "another-event", at) is None
    files = {"events/w.yaml": EVENT.encode(), "balance.yaml": b"kind: GameBalance\n"}
    stopped = apply_stops(files, [Stop("winter-festival", at)])
    assert stopped == {"events/w.yaml": once.encode(), "balance.yaml": b"kind: GameBalance\n"}
    assert apply_stops(stopped, [Stop("winter-festival", at)]) == stopped
    later = apply_stops(stopped, [Stop("winter-festival", at + timedelta(hours=1))])
    assert later == stopped  # a stop never moves an end later


def test_validate_rejects_bad_windows_with_file_line_and_field(config_repo: Path, run_cli: RunCli) -> None:
    path = config_repo / "configs/battle-royale/events/winter-festival.yaml"
    text = path.read_text().replace(
        "  modes:",
        "  windows:\n"
        '    - {region: APAC, start: "2026-12-19T01:00:00Z", end: "2026-12-19T00:00:00Z"}\n'
        '    - {region: MARS, start: "2026-12-19T01:00:00Z", end: "2026-12-20T00:00:00Z"}\n'
        "  modes:",
    )
    path.write_text(text)
    code, out, _ = run_cli(["validate", str(config_repo / "configs"), "--root", str(config_repo), "--format", "json"])
    assert code == 1
    found = {(f["rule"], f["line"], f["path"]) for f in json.loads(out)["findings"]}
    line = text.splitlines().index("  windows:") + 1
    assert ("event-window", line + 1, "$.spec.windows[0].end") in found
    assert ("event-regions", line + 2, "$.spec.windows[1].region") in found


def test_plan_warns_when_an_event_starts_before_its_rollout_can_reach_it(git_repo: Path, run_cli: RunCli) -> None:
    path = git_repo / "configs/battle-royale/events/winter-festival.yaml"
    soon = datetime.now(UTC) + timedelta(hours=1)
    text = path.read_text()
    start = text.split('start: "', 1)[1].split('"', 1)[0]
    path.write_text(text.replace(start, soon.strftime("%Y-%m-%dT%H:%M:%SZ")))
    git(git_repo, "commit", "-q", "-am", "festival sooner")
    # A change of events alone goes expedited under the shipped policy: every region at once, no warning.
    code, out, err = run_cli(["plan", "--repo", str(git_repo), "--game", "battle-royale"])
    assert code == 0 and "winter-festival" in out and "expedited" in out
    assert "warning:" not in err
    # With a balance change in the same release it is a canary, and the event starts before it gets there.
    weapons = git_repo / "configs/battle-royale/balance/weapons.yaml"
    weapons.write_text(weapons.read_text().replace("damage: 45", "damage: 46", 1))
    git(git_repo, "commit", "-q", "-am", "rifle +1")
    code, out, err = run_cli(["plan", "--repo", str(git_repo), "--game", "battle-royale", "--base", "HEAD~2"])
    assert code == 0 and "winter-festival" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    # NA-WEST alone takes five 30-minute steps at least: every region is reached after the start
    assert len(warnings) == 5 and "live event winter-festival starts in NA-WEST" in warnings[0]
    end = text.split('end: "', 1)[1].split('"', 1)[0]
    later = {start: datetime.now(UTC) + timedelta(days=30), end: datetime.now(UTC) + timedelta(days=40)}
    for old, new in later.items():
        text = text.replace(old, new.strftime("%Y-%m-%dT%H:%M:%SZ"))
    path.write_text(text)  # a month ahead: every region is reached long before
    git(git_repo, "commit", "-q", "-am", "festival as planned")
    code, _, err = run_cli(["plan", "--repo", str(git_repo), "--game", "battle-royale", "--base", "HEAD~1"])
    assert code == 0 and "warning:" not in err
