from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.sidecar import SidecarError, publish, versions_dir
from tests.agent.fixtures import RingRepo
from tests.conftest import RunCli

FILES = [f"part-{i}.yaml" for i in range(4)]


def version(n: int) -> dict[str, bytes]:
    return {name: f"version: {n}\n".encode() * 50 for name in FILES}


class Observer:
    """Looks at `out` as a reader would (resolve the link, read every file) before every filesystem
    operation the code under watch makes, via an audit hook: every intermediate state is seen, not
    the few a racing thread happens to catch."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.active = False
        self.busy = False
        self.looks = 0
        self.torn: list[str] = []
        sys.addaudithook(self._hook)  # cannot be removed: `active` turns it off

    def _hook(self, event: str, _args: tuple[object, ...]) -> None:
        if not self.active or self.busy or not event.startswith(("open", "os.", "shutil.")):
            return
        self.busy = True
        try:
            self.look(event)
        finally:
            self.busy = False

    def look(self, event: str) -> None:
        if not self.out.exists():
            return
        base = self.out.resolve(strict=True)
        names = sorted(p.name for p in base.iterdir())
        seen = {(base / n).read_text().splitlines()[0] if (base / n).stat().st_size else "" for n in names}
        self.looks += 1
        if names != sorted(FILES) or len(seen) != 1:
            self.torn.append(f"before {event}: {names} {sorted(seen)}")

    def watch(self, action: Callable[[], object]) -> None:
        self.active = True
        try:
            action()
        finally:
            self.active = False
        self.look("return")


def in_place(out: Path, files: dict[str, bytes]) -> None:
    """What a naive sidecar would do: rewrite the files where the server reads them."""
    out.mkdir(exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)


def test_a_naive_writer_is_caught_tearing_by_the_observer(tmp_path: Path) -> None:
    out = tmp_path / "naive"
    in_place(out, version(0))
    observer = Observer(out)
    observer.watch(lambda: in_place(out, version(1)))
    assert observer.torn, "the observer must see a directory holding two versions at once"


def test_the_directory_is_never_seen_half_written(tmp_path: Path) -> None:
    out = tmp_path / "config"
    publish(out, "v0", version(0))
    observer = Observer(out)
    for n in range(1, 6):
        observer.watch(lambda n=n: publish(out, f"v{n}", version(n)))  # type: ignore[misc]
    assert observer.torn == [] and observer.looks > 5 * 10  # every file write, rename and link swap
    assert (out / "part-0.yaml").read_text().startswith("version: 5")
    publish(out, "v6", version(6), grace=0)
    assert len(list(versions_dir(out).iterdir())) == 2  # old versions are pruned once past the grace time


def test_refuses_to_take_over_a_real_directory_or_escape_it(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    with pytest.raises(SidecarError):
        publish(tmp_path / "mine", "v1", {"a.yaml": b"x"})
    with pytest.raises(SidecarError):
        publish(tmp_path / "out", "v1", {"../escape.yaml": b"x"})
    assert not (tmp_path / "escape.yaml").exists()


def test_hotswap_agent_once_publishes_and_runs_the_command(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "repo").mkdir()
    repo = RingRepo(tmp_path / "repo")
    repo.deploy(45)
    out = tmp_path / "server" / "config"
    out.parent.mkdir()
    marker = tmp_path / "reloaded"
    code, stdout, _ = run_cli(
        [
            "agent",
            "--game",
            "g",
            "--region",
            "NA-WEST",
            "--server-id",
            "na-west-001",
            "--remote",
            str(repo.remote),
            "--out",
            str(out),
            "--once",
            "--exec",
            f"sh -c 'echo $HOTSWAP_CONFIG_REVISION > {marker}'",
        ]
    )
    assert code == 0, stdout
    assert "damage: 45" in (out / "balance.yaml").read_text()
    assert marker.read_text().strip() == "450000000000"
