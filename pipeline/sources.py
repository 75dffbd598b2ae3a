"""Config files from a work tree: discovery, bounded reads, no following of symlinks."""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.documents import CONFIG_ROOT, CONFIG_SUFFIXES, SourceFile
from pipeline.yamlstrict import LoadLimits

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_SYMLINK = ("symlink", "symbolic links are not allowed under configs/")


class SourceError(Exception):
    """A path the user gave that cannot be checked at all (usage error, exit 2)."""


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` that holds `configs/`."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_ROOT).is_dir():
            return candidate
    raise SourceError(f"no {CONFIG_ROOT}/ directory in {here} or any parent; use --root")


def _relative(root: Path, path: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        raise SourceError(f"{path} is outside the repository root {root}") from None
    text = rel.as_posix()
    if not (text == CONFIG_ROOT or text.startswith(CONFIG_ROOT + "/")):
        raise SourceError(f"{path} is not under {CONFIG_ROOT}/")
    return text


def read_source(root: Path, rel: str, limits: LoadLimits) -> SourceFile:
    """One file's bytes, without following a symlink: O_NOFOLLOW makes that one system call, which
    matters at thousands of files (pathlib's is_symlink, open and stat cost several times more)."""
    path = os.path.join(root, rel)
    if not _NOFOLLOW and os.path.islink(path):
        return SourceFile(rel, b"", _SYMLINK)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP and _NOFOLLOW:
            return SourceFile(rel, b"", _SYMLINK)
        return SourceFile(rel, b"", ("unreadable", f"cannot read: {exc.strerror}"))
    try:
        size = os.fstat(fd).st_size
        if size > limits.max_bytes:
            return SourceFile(
                rel, b"", ("file-too-large", f"file is {size} bytes, over the limit of {limits.max_bytes} bytes")
            )
        chunks = []
        left = limits.max_bytes + 1  # a file that grew since fstat is still bounded
        while left > 0 and (chunk := os.read(fd, min(left, max(size, 1 << 16)))):
            chunks.append(chunk)
            left -= len(chunk)
        return SourceFile(rel, b"".join(chunks))
    except OSError as exc:
        return SourceFile(rel, b"", ("unreadable", f"cannot read: {exc.strerror}"))
    finally:
        os.close(fd)


def discover(root: Path, paths: Sequence[Path] = (), games: Sequence[str] | None = None) -> list[str]:
    """Repository-relative config paths under the given paths (default: all of configs/)."""
    root = root.resolve()
    targets = [_relative(root, p) for p in paths] if paths else [CONFIG_ROOT]
    if games is not None:
        targets = [f"{CONFIG_ROOT}/{g}" for g in games if (root / CONFIG_ROOT / g).is_dir()]
    found: set[str] = set()
    for rel in targets:
        full = root / rel
        if full.is_symlink() or full.is_file():
            if not rel.endswith(CONFIG_SUFFIXES) and not full.is_symlink():
                raise SourceError(f"{rel} is not a config file ({', '.join(CONFIG_SUFFIXES)})")
            found.add(rel)
        elif full.is_dir():
            for dirpath, dirnames, filenames in os.walk(full, followlinks=False):
                base = Path(dirpath)
                for name in dirnames:  # a symlinked directory is reported, not entered
                    if (base / name).is_symlink():
                        found.add((base / name).relative_to(root).as_posix())
                for name in filenames:
                    if name.endswith(CONFIG_SUFFIXES) or (base / name).is_symlink():
                        found.add((base / name).relative_to(root).as_posix())
        else:
            raise SourceError(f"{rel} does not exist")
    return sorted(found)


def read_worktree(root: Path, rels: Sequence[str], limits: LoadLimits) -> list[SourceFile]:
    resolved = root.resolve()
    return [read_source(resolved, rel, limits) for rel in rels]
