"""Benchmark: telling GitHub about 50 rollouts at once, against a local server speaking GitHub's
REST API (the one the tests use), compared in the same run with the floor: the same number of
plain HTTP requests to the same server over one `requests` session. And what the notifier adds to
a pass when nothing is owed (reading what was told from the ledger and planning).

    python -m bench.github_bench [--games 50]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests

from bench.promoter_bench import GIT, run, setup, timed
from promoter.github.client import GitHubClient
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubSettings
from tests.github.fake_github import TOKEN, FakeGitHub, serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotswap-github-bench-"))
    fakes = serve(FakeGitHub())
    fake = next(fakes)
    try:
        s = setup(tmp, args.games)
        s.reconciler.run_once()  # bootstrap
        for g in range(args.games):  # one merged pull request per game
            path = s.work / f"configs/game-{g:02d}/balance/weapons.yaml"
            path.write_text(path.read_text().replace("damage: 45", "damage: 47", 1))
            run(*GIT, "commit", "-q", "-am", f"Merge pull request #{g + 1} from studio/buff-{g}", cwd=s.work)
            fake.open_pr(g + 1)
        run("git", "push", "-q", str(s.remote_path), "main", cwd=s.work)
        s.reconciler.run_once()  # every game at its first step
        client = GitHubClient(GitHubSettings(f"{fake.owner}/{fake.name}", TOKEN, fake.base))
        notifier = Notifier(s.remote, client, lambda: s.clock[0])

        before = len(fake.calls)
        start = time.perf_counter()
        report = notifier.run(s.remote.games())
        told = time.perf_counter() - start
        calls = fake.calls[before:]
        assert report.error is None, report.error
        print(f"games: {args.games}, each at its first step: {report.told} things told in {len(calls)} calls")
        print(f"notifier, everything owed: {told:.2f} s ({told / args.games * 1000:.0f} ms a game)")

        session = requests.Session()
        session.headers["Authorization"] = f"token {TOKEN}"
        start = time.perf_counter()
        for call in calls:
            session.request(call.method, fake.api + f"/repos/{fake.owner}/{fake.name}" + call.path, json=call.body)
        floor = time.perf_counter() - start
        print(f"floor: the same {len(calls)} requests over one requests session: {floor:.2f} s")
        print(f"ratio: {told / floor:.2f}x the floor")

        s.clock[0] += timedelta(seconds=1)
        idle_pass = min(timed(s.reconciler.run_once) for _ in range(3))
        idle_notify = min(timed(lambda: notifier.run(s.remote.games())) for _ in range(3))
        print(f"reconcile pass, nothing due: {idle_pass:.2f} s; notifier, nothing owed: {idle_notify:.2f} s")
        print(f"the notifier adds {idle_notify / idle_pass * 100:.0f}% to an idle pass")
    finally:
        next(fakes, None)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
