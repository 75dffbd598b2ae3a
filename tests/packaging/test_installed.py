"""The package as a user gets it: built into a wheel, installed into a fresh virtualenv outside the
checkout, run from a directory that is not the checkout, without PYTHONPATH. Every package the
project declares is in it, with its data (the bundled schemas), and `hotswap` works from there.

No network: the wheel is built with this environment's setuptools (`--no-build-isolation`) and
installed with `--no-deps --no-index`. A virtualenv made from this one would see the base
interpreter's site-packages, not this one's (`--system-site-packages` goes to the base), so the
dependencies come from this environment's site-packages through a `.pth` line; a `.pth` file inside
that folder (this environment's editable install of the checkout) is not run from there, so the
product can only be imported from the installed wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from hotswap.main import COMMANDS
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

# What a source distribution carries besides the packages: the build reads these.
SOURCES = ("pyproject.toml", "README.md", "schemas")


@dataclass(frozen=True)
class Installed:
    venv: Path
    site: Path
    env: dict[str, str]
    outside: Path  # a working directory with nothing of the checkout in it

    def run(self, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, cwd=cwd or self.outside, env=self.env, capture_output=True, text=True, timeout=300, check=False
        )


def declared_packages() -> list[str]:
    """The top-level packages, as pyproject's packages.find includes them ("promoter*" -> promoter)."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted({pattern.rstrip("*").rstrip(".") for pattern in include})


def package_files(root: Path, package: str) -> set[str]:
    """Every file of a package but compiled ones, links followed (the bundled schemas are a link)."""
    found = set()
    for folder, dirs, files in os.walk(root / package, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found |= {(Path(folder) / f).relative_to(root).as_posix() for f in files if not f.endswith(".pyc")}
    return found


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COVERAGE", "VIRTUAL_ENV"))}
    return {**env, "PIP_NO_INDEX": "1", "HOME": str(tmp / "home"), "PATH": os.defpath}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("installed")
    (tmp / "home").mkdir()
    env = _clean_env(tmp)
    source = tmp / "source"
    for name in [*SOURCES, *declared_packages()]:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(path, source / name)

    def pip(*argv: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "pip", *argv], cwd=tmp, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"), str(source))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=env, check=True)
    (wheel,) = (tmp / "dist").glob("hotswap-*.whl")
    pip("--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index", str(wheel))
    site = Path(
        subprocess.run(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # the dependencies, from this environment (after the installed wheel on sys.path)
    (site / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = tmp / "elsewhere"
    outside.mkdir()
    return Installed(venv, site, env, outside)


def test_every_declared_package_is_installed_with_all_its_files(installed: Installed) -> None:
    packages = declared_packages()
    assert {"contract", "hotswap", "pipeline", "promoter", "agent"} <= set(packages)
    for package in packages:
        missing = package_files(REPO_ROOT, package) - package_files(installed.site, package)
        assert not missing, f"not in the wheel: {sorted(missing)}"
    assert (installed.site / "pipeline" / "bundled_schemas" / "Envelope.schema.json").is_file()


def test_every_module_imports_from_the_installed_copy(installed: Installed) -> None:
    probe = f"""
import importlib, json, pkgutil
where = {{}}
for top in {declared_packages()!r}:
    package = importlib.import_module(top)
    where[top] = package.__file__
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if info.name.endswith(".__main__"):  # runs the command when imported
            continue
        where[info.name] = importlib.import_module(info.name).__file__
print(json.dumps(where))
"""
    done = installed.run(str(installed.venv / "bin" / "python"), "-c", probe)
    assert done.returncode == 0, done.stderr
    where = json.loads(done.stdout)
    assert set(declared_packages()) <= set(where)
    elsewhere = {name: path for name, path in where.items() if not Path(path).is_relative_to(installed.site)}
    assert elsewhere == {}, "imported from outside the installed package"


def test_the_installed_command_lists_every_subcommand(installed: Installed) -> None:
    done = installed.run(str(installed.venv / "bin" / "hotswap"), "--help")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("    ") and line.split()}
    assert set(COMMANDS) <= listed, sorted(set(COMMANDS) - listed)


def test_the_installed_command_validates_a_config_repository_with_its_bundled_schemas(installed: Installed) -> None:
    repo = installed.outside / "game-configs"
    shutil.copytree(REPO_ROOT / "configs", repo / "configs")  # no schemas/: the bundled ones apply
    done = installed.run(str(installed.venv / "bin" / "hotswap"), "validate", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    games = sum(1 for d in (REPO_ROOT / "configs").iterdir() if d.is_dir())
    assert "files valid" in done.stdout and f"{games} games" in done.stdout, done.stdout
