from __future__ import annotations

from collections.abc import Iterator

from contract.instants import instant_problem, parse_instant
from pipeline.documents import Document
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules.shapes import records, sequence


def event_window(game: GameView) -> Iterator[Finding]:
    """An event's start and end are instants that exist (contract.instants) and it ends after it starts."""
    for doc in game.of_kind("LiveEvent"):
        start, end = parse_instant(doc.spec.get("start")), parse_instant(doc.spec.get("end"))
        for key in ("start", "end"):
            problem = instant_problem(doc.spec[key]) if isinstance(doc.spec.get(key), str) else None
            if problem is not None:
                yield doc.spec_finding((key,), "event-window", f"{key}: {problem}")
        if start is not None and end is not None and end <= start:
            yield doc.spec_finding(
                ("end",),
                "event-window",
                f"event ends ({doc.spec['end']}) before or when it starts ({doc.spec['start']})",
            )
        yield from _region_windows(doc)


def _region_windows(doc: Document) -> Iterator[Finding]:
    """Each `windows` entry: real times, ending after it starts, one per region."""
    seen: set[str] = set()
    for i, item in records(doc.spec.get("windows")):
        start, end = parse_instant(item.get("start")), parse_instant(item.get("end"))
        for key in ("start", "end"):
            problem = instant_problem(item[key]) if isinstance(item.get(key), str) else None
            if problem is not None:
                yield doc.spec_finding(("windows", i, key), "event-window", f"{key}: {problem}")
        region = item.get("region")
        if start is not None and end is not None and end <= start:
            yield doc.spec_finding(
                ("windows", i, "end"),
                "event-window",
                f"the {region} window ends ({item['end']}) before or when it starts ({item['start']})",
            )
        if isinstance(region, str) and region in seen:
            yield doc.spec_finding(("windows", i, "region"), "event-window", f"a second window for {region}")
        if isinstance(region, str):
            seen.add(region)


def event_regions(game: GameView) -> Iterator[Finding]:
    """An event runs only in regions the game's RolloutPolicy knows."""
    policy = game.policy()
    if policy is None:
        return
    known = [r["name"] for r in policy.spec["regions"]]
    for doc in game.of_kind("LiveEvent"):
        for i, region in enumerate(sequence(doc.spec.get("regions"))):
            if isinstance(region, str) and region not in known:
                yield doc.spec_finding(
                    ("regions", i),
                    "event-regions",
                    f"region {region!r} is not in the RolloutPolicy ({', '.join(known)})",
                )
        listed = sequence(doc.spec.get("regions"))
        for i, item in records(doc.spec.get("windows")):
            region = item.get("region")
            if isinstance(region, str) and region not in known:
                yield doc.spec_finding(
                    ("windows", i, "region"),
                    "event-regions",
                    f"window region {region!r} is not in the RolloutPolicy ({', '.join(known)})",
                )
            elif isinstance(region, str) and region not in listed:
                yield doc.spec_finding(
                    ("windows", i, "region"),
                    "event-regions",
                    f"window region {region!r} is not one of the event's regions ({', '.join(map(str, listed))})",
                )
