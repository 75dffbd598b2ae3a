"""What changed in a work tree since a revision, through the `git` command.

`validate --changed-since` runs in pre-commit hooks and editors, where start-up time is the whole
cost: importing pygit2 alone takes longer than the five short `git` calls made here. Everything
else that reads git (plan, diff, the promoter) uses pipeline.gitsource.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from pipeline.documents import SourceFile
from pipeline.yamlstrict import LoadLimits


class GitChangesError(Exception):
    """Not a repository, an unknown revision, or git failing: a usage problem, said in one line."""


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitChangesError(f"git failed: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitChangesError(lines[-1] if lines else f"git {args[0]} failed")
    return done.stdout


def resolve(root: Path, rev: str) -> tuple[Path, str]:
    """The work tree's top and the commit `rev` names, in one call."""
    if rev.startswith("-"):
        raise GitChangesError(f"unknown revision {rev!r}")
    args = ("rev-parse", "--show-toplevel", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitChangesError(f"git failed: {exc}") from None
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if not lines:
        raise GitChangesError(f"{root} is not inside a git repository")
    if done.returncode != 0 or len(lines) != 2:
        raise GitChangesError(f"unknown revision {rev!r}")
    return Path(lines[0]).resolve(), lines[1]


def paths_changed_since(root: Path, commit: str) -> set[str]:
    """Work-tree-relative paths that differ between `commit` and the work tree, new untracked files
    included (ignored ones not), like pipeline.gitsource.paths_changed_since."""
    tracked = _git(root, "diff", "--name-only", "--no-renames", "-z", commit, "--")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--full-name", ":/")
    return {p.decode("utf-8", "surrogateescape") for p in (tracked + untracked).split(b"\0") if p}


def sources_at(root: Path, commit: str, paths: Sequence[str], limits: LoadLimits) -> list[SourceFile]:
    """The files at `commit` among `paths` (work-tree-relative); missing, non-file or oversized ones
    are left out. Two `git cat-file` calls: sizes first, so a huge blob is never read."""
    if not paths:
        return []
    wanted = b"".join(f"{commit}:{p}\n".encode() for p in paths)
    sizes = _git(root, "cat-file", "--batch-check=%(objecttype) %(objectsize)", stdin=wanted).splitlines()
    fit = [p for p, info in zip(paths, sizes, strict=True) if _fits(info, limits)]
    if not fit:
        return []
    out = _git(root, "cat-file", "--batch", stdin=b"".join(f"{commit}:{p}\n".encode() for p in fit))
    found: list[SourceFile] = []
    at = 0
    for path in fit:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        found.append(SourceFile(path, out[header_end + 1 : header_end + 1 + size]))
        at = header_end + 1 + size + 1
    return found


def _fits(info: bytes, limits: LoadLimits) -> bool:
    parts = info.split()
    return len(parts) == 2 and parts[0] == b"blob" and int(parts[1]) <= limits.max_bytes
