from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView


def skill_bands(game: GameView) -> Iterator[Finding]:
    """Each band has min < max; bands, taken as [min, max), do not overlap."""
    for doc in game.of_kind("Matchmaking"):
        bands = doc.spec["skillBands"]
        for i, band in enumerate(bands):
            if band["min"] >= band["max"]:
                yield doc.spec_finding(
                    ("skillBands", i, "min"),
                    "matchmaking-bands",
                    f"band {band['name']!r}: min {band['min']} is not below max {band['max']}",
                )
        ordered = sorted(((b["min"], b["max"], i) for i, b in enumerate(bands) if b["min"] < b["max"]))
        # Compare each band with the one reaching furthest so far: a wide band can cover several later ones.
        reach: tuple[int, int] | None = None  # (max, index)
        for cur_min, cur_max, cur_i in ordered:
            if reach is not None and cur_min < reach[0]:
                other = bands[reach[1]]
                yield doc.spec_finding(
                    ("skillBands", cur_i, "min"),
                    "matchmaking-bands",
                    f"band {bands[cur_i]['name']!r} [{cur_min}, {cur_max}) overlaps band {other['name']!r} [{other['min']}, {other['max']})",
                )
            if reach is None or cur_max > reach[0]:
                reach = (cur_max, cur_i)


def capacity(game: GameView) -> Iterator[Finding]:
    """A mode's players fill whole teams and fit every map it is played on."""
    for doc in game.of_kind("Matchmaking"):
        maps = doc.spec.get("maps", {})
        for mode_id, mode in doc.spec["modes"].items():
            if mode["maxPlayers"] % mode["teamSize"]:
                yield doc.spec_finding(
                    ("modes", mode_id, "maxPlayers"),
                    "matchmaking-capacity",
                    f"mode {mode_id!r}: {mode['maxPlayers']} players do not fill teams of {mode['teamSize']}",
                )
            for i, map_id in enumerate(mode["maps"]):
                if map_id in maps and maps[map_id]["maxPlayers"] < mode["maxPlayers"]:
                    yield doc.spec_finding(
                        ("modes", mode_id, "maps", i),
                        "matchmaking-capacity",
                        f"mode {mode_id!r} needs {mode['maxPlayers']} players but map {map_id!r} holds {maps[map_id]['maxPlayers']}",
                    )
