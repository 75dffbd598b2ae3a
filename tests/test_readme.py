"""The README's examples work: every python block runs, and every `hotswap` command line it shows
names a real subcommand and real flags."""

from __future__ import annotations

import argparse
import re
import shlex
import threading
from pathlib import Path

import pytest

from hotswap.main import build_parser
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from tests.promoter.fixtures import make_game_repo

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_REMOTE = "https://git.example.com/studio/configs.git"
EXAMPLE_CACHE = 'Path("/var/cache/hotswap")'


def blocks(language: str) -> list[str]:
    """The fenced blocks whose info string is `language` ("" for none)."""
    found: list[str] = []
    current: list[str] | None = None
    info = ""
    for line in README.read_text().splitlines():
        if line.startswith("```") and current is None:
            current, info = [], line[3:].strip()
        elif line.startswith("```") and current is not None:
            if info == language:
                found.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return found


def test_the_python_examples_run_against_a_real_remote(tmp_path: Path) -> None:
    (example,) = blocks("python")
    repo = make_game_repo(tmp_path, "battle-royale")
    # The first pass of a game with no rings bootstraps every ring; no metric is read for that.
    (outcome,) = Reconciler(Remote(repo.url, tmp_path / "cache"), PrometheusSource("http://127.0.0.1:9")).run_once()
    assert outcome.summary.startswith("bootstrap"), outcome
    assert EXAMPLE_REMOTE in example and EXAMPLE_CACHE in example
    code = example.replace(EXAMPLE_REMOTE, str(repo.remote)).replace(
        EXAMPLE_CACHE, f"Path({str(tmp_path / 'agent')!r})"
    )
    scope: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), scope)
    stop = scope["stop_event"]
    assert isinstance(stop, threading.Event)
    stop.set()
    assert scope["rifle"]["damage"] == 45  # type: ignore[index]


def command_lines() -> list[list[str]]:
    lines: list[list[str]] = []
    for block in blocks("sh") + blocks(""):
        text = re.sub(r"\\\n\s*", " ", block)
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            match = re.search(r"(?:^|\s)(hotswap \S.*)$", line)
            if match and not line.startswith(("bash", "make")):
                lines.append(shlex.split(re.sub(r"\[[^\]]*\]", "", match.group(1)).replace("…", "x")))
    return lines


@pytest.mark.parametrize("argv", command_lines(), ids=lambda a: " ".join(a[:2]))
def test_every_command_line_in_the_readme_names_real_flags(argv: list[str]) -> None:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    subcommands: dict[str, argparse.ArgumentParser] = action.choices
    assert argv[1] in subcommands, f"`hotswap {argv[1]}` is not a subcommand"
    command = subcommands[argv[1]]
    nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
    if nested and len(argv) > 2:  # `hotswap event stop ...`: the flags are the nested command's
        assert argv[2] in nested[0].choices, f"`hotswap {argv[1]} {argv[2]}` is not a subcommand"
        command = nested[0].choices[argv[2]]
    known = {opt for action in command._actions for opt in action.option_strings}
    flags = {a.split("=", 1)[0] for a in argv[2:] if a.startswith("--")}
    assert flags <= known, f"hotswap {argv[1]}: unknown flags {sorted(flags - known)}"
