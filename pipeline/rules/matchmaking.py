from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules.shapes import mapping, numbers, records, sequence


def skill_bands(game: GameView) -> Iterator[Finding]:
    """Each band has min < max; bands, taken as [min, max), do not overlap."""
    for doc in game.of_kind("Matchmaking"):
        bands = dict(records(doc.spec.get("skillBands")))
        bands = {i: b for i, b in bands.items() if numbers(b.get("min"), b.get("max"))}
        for i, band in bands.items():
            if band["min"] >= band["max"]:
                yield doc.spec_finding(
                    ("skillBands", i, "min"),
                    "matchmaking-bands",
                    f"band {band.get('name')!r}: min {band['min']} is not below max {band['max']}",
                )
        ordered = sorted((b["min"], b["max"], i) for i, b in bands.items() if b["min"] < b["max"])
        # Compare each band with the one reaching furthest so far: a wide band can cover several later ones.
        reach: tuple[float, int] | None = None  # (max, index)
        for cur_min, cur_max, cur_i in ordered:
            if reach is not None and cur_min < reach[0]:
                other = bands[reach[1]]
                yield doc.spec_finding(
                    ("skillBands", cur_i, "min"),
                    "matchmaking-bands",
                    f"band {bands[cur_i].get('name')!r} [{cur_min}, {cur_max}) overlaps band {other.get('name')!r} [{other['min']}, {other['max']})",
                )
            if reach is None or cur_max > reach[0]:
                reach = (cur_max, cur_i)


def capacity(game: GameView) -> Iterator[Finding]:
    """A mode's players fill whole teams and fit every map it is played on."""
    for doc in game.of_kind("Matchmaking"):
        maps = mapping(doc.spec.get("maps"))
        for mode_id, mode in mapping(doc.spec.get("modes")).items():
            if not isinstance(mode, dict) or not numbers(mode.get("maxPlayers"), mode.get("teamSize")):
                continue
            players = mode["maxPlayers"]
            if mode["teamSize"] and players % mode["teamSize"]:
                yield doc.spec_finding(
                    ("modes", mode_id, "maxPlayers"),
                    "matchmaking-capacity",
                    f"mode {mode_id!r}: {players} players do not fill teams of {mode['teamSize']}",
                )
            for i, map_id in enumerate(sequence(mode.get("maps"))):
                holds = mapping(maps.get(map_id)).get("maxPlayers") if isinstance(map_id, str) else None
                if numbers(holds) and holds < players:
                    yield doc.spec_finding(
                        ("modes", mode_id, "maps", i),
                        "matchmaking-capacity",
                        f"mode {mode_id!r} needs {players} players but map {map_id!r} holds {holds}",
                    )
