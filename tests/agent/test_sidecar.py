from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from agent.sidecar import SidecarError, publish, versions_dir
from tests.agent.test_agent import RingRepo
from tests.conftest import RunCli


def test_the_directory_is_never_seen_half_written(tmp_path: Path) -> None:
    out = tmp_path / "config"
    files = [f"part-{i}.yaml" for i in range(8)]

    def version(n: int) -> dict[str, bytes]:
        return {name: f"version: {n}\n".encode() * 200 for name in files}

    publish(out, "v0", version(0))
    stop = threading.Event()
    problems: list[str] = []
    reads = [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                base = out.resolve(strict=True)  # a reader resolves the link once per reload
                names = sorted(p.name for p in base.iterdir())
                seen = {(base / n).read_text().splitlines()[0] for n in names}
            except FileNotFoundError as exc:  # a folder vanished under the reader: pruned too early
                problems.append(f"vanished: {exc}")
                continue
            if names != sorted(files) or len(seen) != 1:
                problems.append(f"{names} {seen}")
            reads[0] += 1
            time.sleep(0)

    thread = threading.Thread(target=reader)
    thread.start()
    for n in range(1, 200):
        publish(out, f"v{n}", version(n))
    stop.set()
    thread.join()
    assert problems == [] and reads[0] > 100
    assert (out / "part-0.yaml").read_text().startswith("version: 199")
    publish(out, "v200", version(200), grace=0)
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
