"""A remote as the promoter of commit 2d5b51a left it, written byte for byte with plain git: its ring
and green commits with their trailers, its annotated release tags, its ledger (`rollouts/`,
`quarantine/`, `events/`, JSON with sorted keys and two-space indent). The formats are copied from
that version's promoter/gitio.py, promoter/model.py and promoter/event_trees.py; nothing of today's
code writes them, so a change of today's writers cannot hide a reader that forgot the old bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NAME, EMAIL = "HotSwap promoter", "hotswap@localhost"  # the old promoter's default signature
LEDGER = "refs/heads/hotswap/ledger"


def _git(remote: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=remote,
        input=stdin,
        env={**os.environ, **(env or {})},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def switch_instant(at: datetime) -> str:
    """`Hotswap-Switch-At` as 2d5b51a wrote it: UTC, milliseconds, Z."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def ledger_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def event(at: datetime, kind: str, region: str | None = None, step: int | None = None, **extra: Any) -> dict[str, Any]:
    """One ledger event as `Event.as_json` wrote it: keys only when set, `at` in isoformat."""
    data: dict[str, Any] = {"at": at.isoformat(), "type": kind}
    if region is not None:
        data["region"] = region
    if step is not None:
        data["step"] = step
    return {**data, **extra}


def check(name: str, verdict: str, candidate: float, baseline: float) -> dict[str, Any]:
    return {
        "name": name,
        "verdict": verdict,
        "candidate": candidate,
        "baseline": baseline,
        "message": f"{name}: {verdict}",
        "evidence": None,
    }


@dataclass
class OldPromoter:
    """Writes into a bare remote what the old promoter pushed."""

    remote: Path
    game: str
    ledger: dict[str, str] = field(default_factory=dict)

    def tree(self, release: str) -> str:
        return _git(self.remote, "rev-parse", f"{release}:configs/{self.game}")

    def ref(self, name: str) -> str | None:
        out = _git(self.remote, "for-each-ref", "--format=%(objectname)", name)
        return out or None

    def commit(self, tree: str, parent: str | None, message: str, at: datetime) -> str:
        stamp = f"{int(at.timestamp())} +0000"
        env = {
            "GIT_AUTHOR_NAME": NAME,
            "GIT_AUTHOR_EMAIL": EMAIL,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": NAME,
            "GIT_COMMITTER_EMAIL": EMAIL,
            "GIT_COMMITTER_DATE": stamp,
        }
        parents = ["-p", parent] if parent else []
        return _git(self.remote, "commit-tree", tree, *parents, "-F", "-", stdin=message, env=env)

    def write(self, ref: str, release: str, stage: str, at: datetime, **more: str) -> str:
        """A ring or green commit: subject, then the trailers in the old order."""
        region, name = ref.rsplit("/", 2)[-2:]
        trailers = f"Hotswap-Release: {release}\nHotswap-Stage: {stage}\nHotswap-Rollout: {self.game}-{release[:12]}\n"
        trailers += "".join(f"{key}: {value}\n" for key, value in more.items())
        message = f"hotswap: {self.game} {release[:12]} to {region} {name}\n\n{trailers}"
        new = self.commit(self.tree(release), self.ref(ref), message, at)
        _git(self.remote, "update-ref", ref, new)
        return new

    def rollback(self, ref: str, back_to: str, bad: str, stage: str, reason: str, at: datetime) -> str:
        """A ring reverted to the release before, as `_revert_message` wrote it."""
        message = (
            f"hotswap: roll back {self.game} {bad[:12]} on {' '.join(ref.rsplit('/', 2)[-2:])}\n\n"
            f"Hotswap-Release: {back_to}\nHotswap-Stage: {stage}\nHotswap-Rollout: {self.game}-{bad[:12]}\n"
            f"Hotswap-Rollback-Of: {bad}\nHotswap-Reason: {reason}\n"
        )
        new = self.commit(self.tree(back_to), self.ref(ref), message, at)
        _git(self.remote, "update-ref", ref, new)
        return new

    def revert_main(self, bad: str, subject: str, reason: str, at: datetime) -> str:
        """main's revert of a quarantined release (its tree: main before it)."""
        message = (
            f'Revert "{subject}"\n\nThis reverts commit {bad}.\n\n'
            f"Hotswap-Rollback-Of: {bad}\nHotswap-Reason: {reason}\n"
        )
        new = self.commit(_git(self.remote, "rev-parse", f"{bad}~1^{{tree}}"), bad, message, at)
        _git(self.remote, "update-ref", "refs/heads/main", new)
        return new

    def tag(self, release: str, at: datetime) -> None:
        name = f"release/{self.game}/{release[:12]}"
        body = (
            f"object {release}\ntype commit\ntag {name}\ntagger {NAME} <{EMAIL}> {int(at.timestamp())} +0000\n\n"
            f"{self.game}: release {release[:12]} reached 100% of every region\n"
        )
        _git(self.remote, "update-ref", f"refs/tags/{name}", _git(self.remote, "mktag", stdin=body))

    def rollout(self, release: str, *events: dict[str, Any]) -> None:
        record = {
            "id": f"{self.game}-{release[:12]}",
            "game": self.game,
            "release": release,
            "tree": self.tree(release),
            "events": list(events),
        }
        self.ledger[f"rollouts/{self.game}/{release}.json"] = ledger_json(record)

    def quarantine(self, release: str, at: datetime, reason: str, *checks: dict[str, Any]) -> None:
        record = {
            "game": self.game,
            "release": release,
            "tree": self.tree(release),
            "at": at.isoformat(),
            "reason": reason,
            "checks": list(checks),
        }
        self.ledger[f"quarantine/{self.game}/{release}.json"] = ledger_json(record)

    def stopped(self, name: str, at: datetime, commit: str) -> None:
        """A kill switch's record (`StopRecord.as_json`; instants as `format_instant`, seconds and Z)."""
        record = {
            "game": self.game,
            "event": name,
            "stoppedAt": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "by": "ops@example.com",
            "reason": "broken rewards",
            "file": f"events/{name}.yaml",
            "commit": commit,
            "pullBranch": None,
        }
        self.ledger[f"events/{self.game}/{name}.json"] = ledger_json(record)

    def push_ledger(self, at: datetime) -> None:
        """One ledger commit holding every file written so far."""
        index = self.remote / "old-ledger.index"
        env = {"GIT_INDEX_FILE": str(index)}
        for path, text in sorted(self.ledger.items()):
            blob = _git(self.remote, "hash-object", "-w", "--stdin", stdin=text)
            _git(self.remote, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = _git(self.remote, "write-tree", env=env)
        index.unlink()
        summary = ", ".join(sorted({p.split("/")[0] for p in self.ledger}))
        new = self.commit(tree, self.ref(LEDGER), f"hotswap: {self.game} ({summary})", at)
        _git(self.remote, "update-ref", LEDGER, new)
