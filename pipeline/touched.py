"""What a release touches: the files of a game's folder that differ between two trees, with their
document kinds (for pipeline.strategy_select). Reads git objects, writes nothing."""

from __future__ import annotations

import pygit2

from pipeline.documents import CONFIG_ROOT, SourceFile, load
from pipeline.strategy_select import Touched
from pipeline.yamlstrict import DEFAULT_LIMITS, LoadLimits


def _kind(repo: pygit2.Repository, game: str, path: str, blob_id: pygit2.Oid, limits: LoadLimits) -> str | None:
    try:
        blob = repo[blob_id].peel(pygit2.Blob)
        if blob.size > limits.max_bytes:
            return None
        doc = load(SourceFile(f"{CONFIG_ROOT}/{game}/{path}", blob.data), limits).document
    except Exception:  # an unreadable file has no kind: only rules that name its path cover it
        return None
    kind = doc.data.get("kind") if doc is not None else None
    return kind if isinstance(kind, str) else None


def touched_between(
    repo: pygit2.Repository,
    game: str,
    base: pygit2.Tree | None,
    head: pygit2.Tree,
    limits: LoadLimits = DEFAULT_LIMITS,
) -> tuple[Touched, ...]:
    """Every file under the game folder trees `base` (None: nothing) and `head` that differs, by its
    path relative to the folder, with its kind on each side: a file whose kind the release changes
    is listed under both (an Economy file rewritten as a LiveEvent is still an Economy change)."""
    diff = base.diff_to_tree(head) if base is not None else head.diff_to_tree(swap=True)
    out: dict[tuple[str, str], Touched] = {}
    for delta in diff.deltas:
        for side in (delta.new_file, delta.old_file):
            if side.id == pygit2.Oid(hex="0" * 40):
                continue
            touched = Touched(side.path, _kind(repo, game, side.path, side.id, limits))
            out.setdefault((touched.path, touched.kind or ""), touched)
    return tuple(out[key] for key in sorted(out))
