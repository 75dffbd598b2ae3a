from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import RunCli, git

WEAPONS = "configs/battle-royale/balance/weapons.yaml"
LOOT = "configs/battle-royale/economy/loot.yaml"


def _report(run_cli: RunCli, repo: Path) -> dict[str, Any]:
    code, out, _ = run_cli(["validate", "--root", str(repo), "--changed-since", "HEAD", "--format", "json"])
    report: dict[str, Any] = json.loads(out)
    report["code"] = code
    return report


def test_only_changed_files_and_their_dependents_are_checked(git_repo: Path, run_cli: RunCli) -> None:
    # An old problem nobody touches in this change is not reported.
    kart = git_repo / "configs/kart-racer/performance.yaml"
    kart.write_text(kart.read_text().replace("tickRate: 60", "tickRate: 500"))
    git(git_repo, "commit", "-qam", "old problem")
    weapons = git_repo / WEAPONS
    weapons.write_text(weapons.read_text().replace("    pistol:", "    handgun:"))
    report = _report(run_cli, git_repo)
    assert report["code"] == 1
    findings = report["findings"]
    # loot.yaml did not change, but it references the pistol the change removed
    assert {(f["file"], f["rule"]) for f in findings} == {(LOOT, "references")}


def test_a_deleted_file_reports_the_files_that_referenced_it(git_repo: Path, run_cli: RunCli) -> None:
    (git_repo / "configs/battle-royale/matchmaking.yaml").unlink()
    report = _report(run_cli, git_repo)
    files = {f["file"] for f in report["findings"]}
    assert "configs/battle-royale/events/winter-festival.yaml" in files  # it used the snowball-brawl mode


def test_no_change_means_nothing_to_check(git_repo: Path, run_cli: RunCli) -> None:
    report = _report(run_cli, git_repo)
    assert report["code"] == 0 and report["findings"] == []


def test_a_changed_schema_checks_every_document(git_repo: Path, run_cli: RunCli) -> None:
    schema = git_repo / "schemas/Performance.schema.json"
    schema.write_text(schema.read_text().replace('"maximum": 128', '"maximum": 20', 1))
    report = _report(run_cli, git_repo)
    files = {f["file"] for f in report["findings"]}
    # nothing under configs/ changed, yet both games' performance configs now break the schema
    assert files == {"configs/battle-royale/performance.yaml", "configs/kart-racer/performance.yaml"}


def test_a_broken_schema_is_an_environment_error(git_repo: Path, run_cli: RunCli) -> None:
    schema = git_repo / "schemas/Performance.schema.json"
    schema.write_text(schema.read_text().replace('"type": "object"', '"type": 5', 1))
    code, _, err = run_cli(["validate", "--root", str(git_repo), "--changed-since", "HEAD"])
    assert code == 2 and "Performance.schema.json: not a valid JSON Schema" in err


def test_configs_in_a_subfolder_of_the_work_tree(tmp_path: Path, config_repo: Path, run_cli: RunCli) -> None:
    """git names paths from the work tree's top; the configs' root may be a folder below it. A
    renamed id in a changed file reports the unchanged file that used it, through the old version."""
    top = tmp_path / "monorepo"
    top.mkdir()
    root = config_repo.rename(top / "live")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "configs in live/")
    weapons = root / WEAPONS
    weapons.write_text(weapons.read_text().replace("    pistol:", "    handgun:"))
    (root / "configs/kart-racer/new.yaml").write_text("kind: [\n")  # untracked: checked too
    code, out, _ = run_cli(["validate", "--root", str(root), "--changed-since", "HEAD", "--format", "json"])
    found = {(f["file"], f["rule"]) for f in json.loads(out)["findings"]}
    assert code == 1 and found == {(LOOT, "references"), ("configs/kart-racer/new.yaml", "yaml-syntax")}


def test_an_unknown_revision_is_a_usage_error(git_repo: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli(["validate", "--root", str(git_repo), "--changed-since", "no-such-rev"])
    assert (code, out) == (2, "") and "unknown revision 'no-such-rev'" in err
