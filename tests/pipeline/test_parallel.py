"""Validation over forked workers, game by game, says exactly what one process says."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from pipeline import parallel
from pipeline.schemas import PACKAGED_SCHEMAS, SchemaSet
from pipeline.sources import discover, read_worktree
from pipeline.validate import validate
from pipeline.yamlstrict import DEFAULT_LIMITS
from tests.pipeline.fixtures import hang_guard


def test_workers_report_what_one_process_reports(config_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weapons = config_repo / "configs/battle-royale/balance/weapons.yaml"
    weapons.write_text(weapons.read_text().replace("damage: 45", "damage: 4500"))
    (config_repo / "configs/kart-racer/broken.yaml").write_text("a: [\n")
    (config_repo / "configs/stray.yaml").write_text("kind: Economy\n")  # outside any game folder
    rels = discover(config_repo)
    schemas = SchemaSet.from_dir(PACKAGED_SCHEMAS)
    monkeypatch.setattr(parallel, "MIN_FILES", 0)
    forked = parallel.validate_tree(config_repo, rels, schemas, DEFAULT_LIMITS, workers=2)
    alone = validate(read_worktree(config_repo, rels, DEFAULT_LIMITS), schemas)
    assert {f.rule for f in forked.findings} >= {"schema", "yaml-syntax", "layout"}
    assert (forked.files, forked.documents, forked.games, forked.findings) == (
        alone.files,
        alone.documents,
        alone.games,
        alone.findings,
    )


def test_few_files_are_checked_in_process(config_repo: Path) -> None:
    rels = discover(config_repo)
    result = parallel.validate_tree(config_repo, rels, SchemaSet.from_dir(PACKAGED_SCHEMAS), DEFAULT_LIMITS, 2)
    assert result.ok and result.parsed  # only the in-process path keeps the parsed documents


def _die(rels: list[str]) -> parallel.Part:
    os._exit(9)  # as the kernel's out-of-memory killer would end it


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(
    config_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES", 0)
    monkeypatch.setattr(parallel, "_validate_part", _die)  # forked workers inherit the patch
    schemas = SchemaSet.from_dir(PACKAGED_SCHEMAS)
    with hang_guard(60), pytest.raises(BrokenProcessPool):
        parallel.validate_tree(config_repo, discover(config_repo), schemas, DEFAULT_LIMITS, workers=2)
