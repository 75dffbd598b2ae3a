"""`hotswap demo` itself: the whole loop, its outcome asserted, nothing left running."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _prometheus_or_fail() -> None:
    if not (os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus")):
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed (scripts/setup.sh installs the Debian package)")
        pytest.skip("prometheus is not installed")


def test_the_demo_walks_a_good_change_and_catches_a_bad_one(tmp_path: Path) -> None:
    _prometheus_or_fail()
    keep = tmp_path / "kept"
    result = subprocess.run(
        [sys.executable, "-m", "hotswap", "demo", "--keep", str(keep)],
        capture_output=True,
        text=True,
        timeout=400,  # a hang guard, not a timing assertion
        check=False,
        env={**os.environ, "COLUMNS": "160"},
    )
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-2000:]
    for line in (
        "✓ harmless change reached every ring of every region and was tagged",
        "✓ harmful change caught at the first ring",
        "✓ reverted everywhere it reached",
        "✓ quarantined with the evidence",
        "✓ reverted on main",
    ):
        assert line in out
    # each decision with its evidence: estimate, bounds, tolerances and counts
    assert "pass churn " in out and "(critical +5%, warning +2%); candidate " in out
    assert "critical churn +" in out and "Traceback" not in out + result.stderr
    assert (keep / "remote.git").is_dir() and (keep / "prometheus" / "data").is_dir()
    # every process the demo started is gone
    running = subprocess.run(["pgrep", "-f", str(keep / "prometheus")], capture_output=True, text=True, check=False)
    assert running.stdout.strip() == ""


def test_without_prometheus_the_demo_says_how_to_install_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_BIN"}
    env["PATH"] = str(Path(sys.executable).parent)  # python and git-less: no prometheus either
    result = subprocess.run(
        [sys.executable, "-m", "hotswap", "demo"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hotswap: error: hotswap demo needs Prometheus: apt-get install prometheus (or set PROMETHEUS_BIN)"
    ]
