"""What the pipeline's tests share: the shipped configs and schemas, guards against hangs, hostile inputs."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import yaml

from pipeline.documents import SourceFile
from pipeline.policy import RolloutPolicy, policy_from_spec
from pipeline.schemas import PACKAGED_SCHEMAS, SchemaSet
from tests.conftest import REPO_ROOT

SCHEMAS = SchemaSet.from_dir(PACKAGED_SCHEMAS)


SHIPPED = tuple(
    SourceFile(p.relative_to(REPO_ROOT).as_posix(), p.read_bytes())
    for p in sorted((REPO_ROOT / "configs").rglob("*"))
    if p.is_file()
)


class Hang(Exception):
    pass


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    def alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def billion_laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        refs = ",".join([f"*l{i - 1}"] * 10)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


def peak_rss_growth_kib(setup: str, measured: str, *args: str) -> tuple[str, int]:
    """Run `measured` after `setup` in a fresh process; its output and how much its peak memory grew
    (libgit2's own allocations included, which tracemalloc would not see)."""
    script = f"""
import resource, sys
argv = sys.argv[1:]
{setup}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{measured}
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    *output, growth = result.stdout.splitlines()
    return "\n".join(output), int(growth)


def shipped_policy() -> RolloutPolicy:
    """The RolloutPolicy the repository ships for battle-royale."""
    text = (REPO_ROOT / "configs/battle-royale/rollout-policy.yaml").read_text()
    return policy_from_spec("battle-royale", yaml.safe_load(text)["spec"])


HOSTILE = {
    "open-then-spaces": "{{" + " " * 100_000,
    "many-opens": "{{ " * 33_000,
    "open-word-brace": ("{{" + "a" * 50 + "{") * 2000,
    "nested-spaces": "{{" + " a" * 50_000 + "}",
}
