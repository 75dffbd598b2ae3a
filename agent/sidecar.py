"""Sidecar mode for game servers not written in Python: keep a directory holding the current config.

The directory is a symbolic link to a fully written version folder; a swap writes the new folder
beside it, then renames a new link over the old one (rename is atomic), so a reader sees the old
config or the new one, never a mix or a half-written file. A reader resolves the link once per
reload (`realpath DIR`) and reads every file from that folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from contract.errors import HotswapFailure

KEEP_VERSIONS = 2
GRACE_SECONDS = 60.0  # a reader that resolved the link a moment ago may still be reading an old folder


class SidecarError(HotswapFailure):
    kind = "publish"
    retryable = True


def versions_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.versions"


def publish(out: Path, version: str, files: Mapping[str, bytes], grace: float = GRACE_SECONDS) -> Path:
    """Make `out` show exactly `files`; returns the version folder it now points to.

    Any failure is a SidecarError and leaves `out` as it was: replacing the link is the last step."""
    try:
        return _publish(out, version, files, grace)
    except OSError as exc:
        raise SidecarError(f"cannot publish {version[:12]} to {out}: {exc}") from None


def _publish(out: Path, version: str, files: Mapping[str, bytes], grace: float) -> Path:
    if out.exists() and not out.is_symlink():
        raise SidecarError(f"{out} exists and is not a link HotSwap manages; remove it or choose another --out")
    store = versions_dir(out)
    target = _write_version(store, version, files)
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target.relative_to(out.parent), target_is_directory=True)
    os.utime(target)  # the current version is the newest
    os.replace(link, out)  # the swap, the last step that can fail the publish
    with contextlib.suppress(OSError):  # housekeeping: a folder left over is removed by a later publish
        _prune(store, keep=target.name, grace=grace)
    return target


def stage(out: Path, version: str, files: Mapping[str, bytes]) -> None:
    """Write a version's folder beside `out` ahead of its swap (a blue-green switch at an instant):
    `publish` of that version then only replaces the link. A failure here is the publish's to meet."""
    try:
        _write_version(versions_dir(out), version, files)
    except OSError as exc:
        raise SidecarError(f"cannot stage {version[:12]} beside {out}: {exc}") from None


def _write_version(store: Path, version: str, files: Mapping[str, bytes]) -> Path:
    store.mkdir(parents=True, exist_ok=True)
    target = store / version
    if not target.exists():
        staging = store / f".{version}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        for rel, data in files.items():
            path = staging / rel
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                raise SidecarError(f"refusing path {rel!r}")
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        staging.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
    return target


def _prune(store: Path, keep: str, grace: float) -> None:
    """Remove old versions: all but the newest few, and none replaced less than `grace` seconds ago."""
    versions = sorted((p for p in store.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    cutoff = time.time() - grace
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def notify(command: Sequence[str] | None, pid: int | None, out: Path, revision: str) -> None:
    """Tell the game server: run a command (with the config dir and revision in its environment) or signal it."""
    if command:
        env = {**os.environ, "HOTSWAP_CONFIG_DIR": str(out), "HOTSWAP_CONFIG_REVISION": revision}
        subprocess.run(list(command), env=env, check=False, timeout=60)
    if pid is not None:
        os.kill(pid, signal.SIGHUP)
