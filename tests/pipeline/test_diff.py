from __future__ import annotations

import json
from pathlib import Path

from pipeline.diff import ValueChange, diff_values
from tests.conftest import RunCli, git

WEAPONS = "configs/battle-royale/balance/weapons.yaml"


def changes(old: object, new: object) -> list[tuple[str, str, object, object]]:
    return [(c.path, c.op, c.old, c.new) for c in diff_values(old, new)]


def test_numbers_carry_their_relative_change() -> None:
    (change,) = diff_values({"weapons": {"rifle": {"damage": 45}}}, {"weapons": {"rifle": {"damage": 50}}})
    assert change.path == "weapons.rifle.damage"
    assert change.relative is not None and round(change.relative, 3) == 0.111
    assert ValueChange("x", "changed", 0, 5).relative is None  # no relative change from zero
    assert ValueChange("x", "changed", True, False).relative is None


def test_list_items_match_by_id_not_position() -> None:
    old = {"store": [{"id": "a", "price": 1}, {"id": "b", "price": 2}]}
    new = {"store": [{"id": "b", "price": 3}, {"id": "c", "price": 4}]}
    assert changes(old, new) == [
        ("store[a]", "removed", {"id": "a", "price": 1}, None),
        ("store[b].price", "changed", 2, 3),
        ("store[c]", "added", None, {"id": "c", "price": 4}),
    ]


def test_list_items_match_by_name_and_scalar_lists_by_value() -> None:
    old = {"bands": [{"name": "gold", "min": 1}], "maps": ["a", "b"]}
    new = {"bands": [{"name": "gold", "min": 2}], "maps": ["b", "c"]}
    assert changes(old, new) == [
        ("bands[gold].min", "changed", 1, 2),
        ("maps[]", "removed", "a", None),
        ("maps[]", "added", None, "c"),
    ]


def test_added_and_removed_keys() -> None:
    assert changes({"a": 1}, {"b": 2}) == [("a", "removed", 1, None), ("b", "added", None, 2)]


def test_diff_between_two_commits_from_a_bare_repository(git_repo: Path, tmp_path: Path, run_cli: RunCli) -> None:
    weapons = git_repo / WEAPONS
    weapons.write_text(weapons.read_text().replace("damage: 45", "damage: 50"))
    git(git_repo, "mv", "configs/kart-racer/economy.yaml", "configs/kart-racer/shop.yaml")
    git(git_repo, "commit", "-qam", "buff rifle, rename shop")
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(git_repo), str(bare))

    code, out, _ = run_cli(["diff", "main~1", "main", "--repo", str(bare)])
    assert code == 0
    assert "~ weapons.rifle.damage: 45 → 50 (+11.1%)" in out
    assert "configs/kart-racer/economy.yaml → configs/kart-racer/shop.yaml (Economy economy) renamed" in out

    code, out, _ = run_cli(["diff", "main~1", "main", "--repo", str(bare), "--format", "json"])
    report = json.loads(out)
    assert report["version"] == 1
    by_path = {f["newPath"]: f for f in report["files"]}
    assert by_path[WEAPONS]["changes"] == [
        {"path": "weapons.rifle.damage", "op": "changed", "old": 45, "new": 50, "relative": 5 / 45}
    ]
    assert by_path["configs/kart-racer/shop.yaml"]["status"] == "renamed"

    code, out, _ = run_cli(["diff", "main~1", "main", "--repo", str(bare), "--format", "markdown"])
    assert "| `weapons.rifle.damage` | `45` | `50` | +11.1% |" in out


def test_diff_reports_a_head_that_does_not_parse(git_repo: Path, run_cli: RunCli) -> None:
    weapons = git_repo / WEAPONS
    weapons.write_text(weapons.read_text() + "oops: [\n")
    git(git_repo, "commit", "-qam", "break")
    code, out, _ = run_cli(["diff", "HEAD~1", "HEAD", "--repo", str(git_repo)])
    assert code == 0
    assert "! head version does not load" in out


def test_diff_unknown_revision_is_a_usage_error(git_repo: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli(["diff", "nope", "HEAD", "--repo", str(git_repo)])
    assert code == 2 and "unknown revision 'nope'" in err
