"""Benchmark: one reconcile pass over 50 games x 5 regions x 4 rings, and the rollback of one game.

Metrics come from a source that answers instantly, so the figures are what git and the decision
cost. The rollback (20 ring refs plus the ledger, from decision to pushed) is compared, in the same
run, with a bare `git push --atomic` of 20 prepared refs to the same kind of remote: the floor.

    python bench/promoter_bench.py [--games 50]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from promoter.decide import decide_approve, decide_rollback
from promoter.gitio import Remote
from promoter.reconcile import Reconciler, apply_with_retry

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def run(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_remote(work: Path, games: int) -> Path:
    source = ROOT / "configs" / "battle-royale"
    for g in range(games):
        game = f"game-{g:02d}"
        for path in source.rglob("*.yaml"):
            target = work / "configs" / game / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text().replace("game: battle-royale", f"game: {game}"))
    shutil.copytree(ROOT / "schemas", work / "schemas")
    run(*GIT, "init", "-q", "-b", "main", cwd=work)
    run(*GIT, "add", "-A", cwd=work)
    run(*GIT, "commit", "-q", "-m", "configs", cwd=work)
    remote = work.parent / "remote.git"
    run("git", "clone", "-q", "--bare", str(work), str(remote), cwd=work.parent)
    return remote


@dataclass
class Setup:
    """A remote of `games` copies of battle-royale, a promoter on it with a settable clock and healthy metrics."""

    work: Path
    remote_path: Path
    remote: Remote
    reconciler: Reconciler
    clock: list[datetime]


def setup(tmp: Path, games: int) -> Setup:
    work = tmp / "work"
    work.mkdir()
    remote_path = make_remote(work, games)
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    remote = Remote(str(remote_path), tmp / "cache")
    return Setup(work, remote_path, remote, Reconciler(remote, _Healthy(), lambda: clock[0]), clock)


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotswap-promoter-bench-"))
    try:
        s = setup(tmp, args.games)
        work, remote_path, remote, reconciler, clock = s.work, s.remote_path, s.remote, s.reconciler, s.clock
        first = timed(reconciler.run_once)
        print(f"games: {args.games} x 5 regions x 4 rings = {args.games * 20} ring refs")
        print(f"first pass (bootstrap: validate every game, write every ring): {first:.2f} s")
        idle = timed(reconciler.run_once)
        print(f"reconcile pass, nothing due (fetch, read, decide for every game): {idle:.2f} s")

        for path in (work / "configs").glob("game-*/balance/weapons.yaml"):
            path.write_text(path.read_text().replace("damage: 45", "damage: 47", 1))
        run(*GIT, "commit", "-q", "-am", "buff rifles", cwd=work)
        run("git", "push", "-q", str(remote_path), "main", cwd=work)
        start = timed(reconciler.run_once)
        print(f"reconcile pass, every game starts a rollout (validate, one push for all): {start:.2f} s")
        clock[0] += timedelta(minutes=31)
        step = timed(reconciler.run_once)
        print(f"reconcile pass, every game evaluated and promoted (one push for all): {step:.2f} s")

        # Walk game-00 to 100% everywhere, then time its rollback: 20 rings + ledger in one push.
        for _ in range(12):
            clock[0] += timedelta(hours=1, minutes=1)
            reconciler.run_once(["game-00"])
            with contextlib.suppress(Exception):
                apply_with_retry(
                    remote, "game-00", lambda s, n: decide_approve(s, n, "EU-WEST", "bench"), lambda: clock[0]
                )
        remote.fetch()
        snap = remote.snapshot("game-00")
        carried = sum(1 for tip in snap.rings.values() if tip.rollback_of is None and tip.previous_tree)

        def rollback_game() -> None:
            now = clock[0]
            current = remote.snapshot("game-00")
            decision = decide_rollback(current, now, "bench", "bench")
            assert remote.apply(current, decision.actions, now).ok

        rollback = timed(rollback_game)
        print(f"rollback of one game ({carried} ring refs + ledger, decision to pushed): {rollback:.3f} s")

        floor_repo = tmp / "floor.git"
        run("git", "clone", "-q", "--bare", str(remote_path), str(floor_repo), cwd=tmp)
        refs = [
            r
            for r in run(
                "git", "for-each-ref", "--format=%(refname)", "refs/heads/deploy/game-01", cwd=floor_repo
            ).splitlines()
        ]
        tree = run("git", "rev-parse", "main^{tree}", cwd=floor_repo)
        pushes = []
        for ref in refs:
            parent = run("git", "rev-parse", ref, cwd=floor_repo)
            new = run(*GIT, "commit-tree", tree, "-p", parent, "-m", "floor", cwd=floor_repo)
            pushes.append(f"{new}:{ref}")
        floor = timed(lambda: run("git", "push", "-q", "--atomic", str(remote_path), *pushes, cwd=floor_repo))
        print(f"floor: bare git push --atomic of {len(pushes)} refs: {floor:.3f} s")
        print(f"ratio: rollback is {rollback / floor:.2f}x the floor")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


class _Healthy:
    """Every metric healthy and equal for candidate and baseline; complaints well under 1%."""

    def query(self, promql: str, at: datetime) -> float | None:
        return 0.001 if "complaints" in promql else 100.0


if __name__ == "__main__":
    raise SystemExit(main())
