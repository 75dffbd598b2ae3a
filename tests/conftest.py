from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hotswap.main import main

REPO_ROOT = Path(__file__).resolve().parent.parent
GITHUB_ENV = (
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_SERVER_URL",
    "GITHUB_RUN_ID",
    "HOTSWAP_GITHUB_TOKEN",
    "HOTSWAP_GITHUB_REPOSITORY",
    "HOTSWAP_GITHUB_URL",
    "GITHUB_API_URL",
    "HOTSWAP_GITHUB_API_URL",
)


@pytest.fixture(autouse=True)
def _no_github_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that want GitHub point at the local test server themselves; a suite run inside GitHub
    Actions must not reach the real one through the variables Actions sets."""
    for name in GITHUB_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def config_repo(tmp_path: Path) -> Path:
    """A copy of the shipped configs and schemas, to break at will."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO_ROOT / "configs", root / "configs")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    return root


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def git_repo(config_repo: Path) -> Path:
    git(config_repo, "init", "-q", "-b", "main")
    git(config_repo, "add", "-A")
    git(config_repo, "commit", "-q", "-m", "initial configs")
    return config_repo


# The tiers (`pytest -m "not slow"` is the fast lane). A test is in a tier by what it starts: the
# fixtures below start Prometheus, a GitHub stand-in, an HTTP service or a process; the modules
# below start them without a fixture (the demo, a TLS server, a browser, a simulator fleet) or run
# seeded simulations of many draws. Anything else must stay fast.
PROMETHEUS_FIXTURES = frozenset({"fleet", "agents_prometheus", "serve_split", "promoter"})
SLOW_FIXTURES = PROMETHEUS_FIXTURES | frozenset({"api", "fake_github", "fake", "hook", "proxy", "sidecar"})
SLOW_MODULES = frozenset(
    {
        "tests/agent/test_bluegreen.py",
        "tests/agent/test_events.py",
        "tests/agent/test_failures.py",
        "tests/agent/test_simulator.py",
        "tests/github/test_workflows.py",
        "tests/hotswap/test_cli_pipes.py",
        "tests/hotswap/test_demo.py",
        "tests/hotswap/test_serve_cli.py",
        "tests/hotswap/test_validate_corpus.py",
        "tests/pipeline/judge/test_decision_quality.py",
        "tests/pipeline/judge/test_verdict.py",
        "tests/pipeline/test_plan_holds.py",
        "tests/pipeline/test_validate_fuzz.py",
        "tests/promoter/test_decision_quality.py",
        "tests/promoter/test_git_security.py",
        "tests/promoter/test_integration.py",
    }
)
PROMETHEUS_MODULES = frozenset({"tests/promoter/test_integration.py", "tests/agent/test_simulator.py"})
BROWSER_MODULES = frozenset(
    {"tests/promoter/service/test_status_page.py", "tests/promoter/service/test_fleet_truth.py"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & PROMETHEUS_FIXTURES or module in PROMETHEUS_MODULES:
            item.add_marker(pytest.mark.prometheus)
        if module in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)
        if fixtures & SLOW_FIXTURES or module in SLOW_MODULES | BROWSER_MODULES | PROMETHEUS_MODULES:
            item.add_marker(pytest.mark.slow)


RunCli = Callable[[Sequence[str]], tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run `hotswap` in-process; returns (exit code, stdout, stderr)."""

    def run(argv: Sequence[str]) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
