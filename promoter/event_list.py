"""What `hotswap event list`, the API and the page show of a game's live events: per event and
region, its state by main's configs at `now`, the next boundary, and the state by what the region's
ring-100 serves (the config most of the region's servers hold)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pygit2

from contract.instants import format_instant
from contract.refs import DEPLOY_PREFIX, MAIN_REF
from pipeline.event_stop import events_in
from pipeline.events_schedule import EventUnreadable, LiveEvent, Window, read_event
from promoter.event_trees import config_files, recorded_stops
from promoter.gitio import Remote

# An event file's path and its event, or the reason it cannot be read (main may hold a LiveEvent
# that validation refused: it is shown as a problem of that file, never a crash).
Found = tuple[str, LiveEvent | str]
_MEMO: dict[str, dict[str, Found]] = {}  # tree id -> its events (trees never change)
MEMO_SIZE = 4096


def _found(repo: pygit2.Repository, tree: pygit2.Tree) -> dict[str, Found]:
    key = str(tree.id)
    if key not in _MEMO:
        found: dict[str, Found] = {}
        for name, (path, spec) in events_in(config_files(repo, tree)).items():
            try:
                found[name] = (path, read_event(name, spec))
            except EventUnreadable as exc:
                found[name] = (path, str(exc))
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = found
    return _MEMO[key]


def _events(repo: pygit2.Repository, tree: pygit2.Tree) -> dict[str, tuple[str, LiveEvent]]:
    """The readable events of a tree."""
    return {n: (p, live) for n, (p, live) in _found(repo, tree).items() if isinstance(live, LiveEvent)}


def _served(remote: Remote, game: str) -> dict[str, dict[str, LiveEvent]]:
    """Region -> the events ring-100 of that region serves."""
    served: dict[str, dict[str, LiveEvent]] = {}
    for ref, sha in remote.refs(f"{DEPLOY_PREFIX}{game}/").items():
        parts = ref.removeprefix(DEPLOY_PREFIX).split("/")
        if len(parts) == 3 and parts[2] == "ring-100":
            tree = remote.commit(sha).tree
            served[parts[1]] = {name: live for name, (_, live) in _events(remote.repo, tree).items()}
    return served


def _place(window: Window | None, now: datetime) -> dict[str, Any] | None:
    if window is None:
        return None
    boundary = window.next_boundary(now)
    return {
        "state": window.state(now),
        **window.as_json(),
        "nextBoundary": format_instant(boundary) if boundary else None,
        "secondsToNext": round((boundary - now).total_seconds()) if boundary else None,
    }


def overall(states: list[str]) -> str:
    """An event is active where any region runs it, scheduled while any region has it ahead, else ended."""
    for state in ("active", "scheduled"):
        if state in states:
            return state
    return "ended"


def game_events(remote: Remote, game: str, now: datetime) -> dict[str, Any]:
    """The game's events as the stable JSON of `hotswap event list --format json`."""
    main = remote.ref(MAIN_REF)
    found: dict[str, Found] = {}
    if main is not None:
        try:
            found = _found(remote.repo, remote.commit(main).tree[f"configs/{game}"].peel(pygit2.Tree))
        except KeyError:
            found = {}
    problems = [
        {"event": name, "file": f"configs/{game}/{path}", "problem": live}
        for name, (path, live) in sorted(found.items())
        if isinstance(live, str)
    ]
    events = {n: (p, live) for n, (p, live) in found.items() if isinstance(live, LiveEvent)}
    if not events:
        return {"game": game, "at": format_instant(now), "events": [], "problems": problems}
    served = _served(remote, game)
    stops = recorded_stops(remote, game)
    rows = []
    for name, (path, live) in sorted(events.items()):
        regions = []
        for region in live.regions:
            on_main = _place(live.window_in(region), now)
            ring = served.get(region, {}).get(name)
            placed = _place(ring.window_in(region), now) if ring is not None else None
            regions.append({"region": region, **(on_main or {}), "served": placed["state"] if placed else None})
        boundaries = [r["nextBoundary"] for r in regions if r.get("nextBoundary")]
        stop = stops.get(name)
        rows.append(
            {
                "name": name,
                "displayName": live.display_name,
                "file": f"configs/{game}/{path}",
                "state": overall([str(r["state"]) for r in regions]),
                "nextBoundary": min(boundaries) if boundaries else None,
                "regions": regions,
                "stopped": _stopped(stop.as_json()) if stop else None,
            }
        )
    return {"game": game, "at": format_instant(now), "events": rows, "problems": problems}


def _stopped(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in ("stoppedAt", "by", "reason", "pullBranch")}


def text_lines(listing: Mapping[str, Any]) -> list[str]:
    """The text form: one line per event, one indented line per region."""
    lines = [f"{listing['game']}: {len(listing['events'])} live event(s) at {listing['at']}"]
    for problem in listing["problems"]:
        lines.append(f"  ! {problem['file']}: live event {problem['event']} cannot be read: {problem['problem']}")
    for event in listing["events"]:
        stop = event["stopped"]
        note = f" (stopped {stop['stoppedAt']} by {stop['by']}: {stop['reason']})" if stop else ""
        lines.append(f"  {event['name']}: {event['state']}{note}")
        for r in event["regions"]:
            nxt = f", next {r['nextBoundary']} (in {_duration(r['secondsToNext'])})" if r["nextBoundary"] else ""
            served = f", ring-100 serves it {r['served']}" if r["served"] and r["served"] != r["state"] else ""
            served = served if r["served"] is not None else ", not on ring-100 yet"
            lines.append(f"    {r['region']:<10} {r['state']:<9} {r['start']} .. {r['end']}{nxt}{served}")
    return lines


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"
