"""What `hotswap serve` says: one line at start, per decision, rollback, approval and error; JSON lines
with --log-format json; never a token."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Outcome, Reconciler
from promoter.service.app import Service
from promoter.service.auth import AuthSettings
from promoter.service.log import EventLog
from tests.promoter.fixtures import Fleet, bootstrapped, free_port
from tests.promoter.service.harness import SECRET, auth


def test_a_pass_that_repeats_itself_says_nothing() -> None:
    out = io.StringIO()
    log = EventLog("text", out)
    waiting = Outcome("g", "abc at NA-WEST/10%: next evaluation in 30s")
    log.outcomes([waiting])
    log.outcomes([waiting])  # the same summary again: nothing new to say
    log.outcomes([Outcome("g", "rollback of abc on 2 ring(s)", wrote=True, actions=("RevertRings",))])
    log.emit("error", kind="git", summary="git fetch https://bot:s3cret@example.com/x.git failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert " decision game=g summary=" in lines[0] and " rollback game=g " in lines[1]
    assert "s3cret" not in lines[2] and "kind=git" in lines[2]


def test_serve_logs_json_lines_for_start_decisions_actions_and_errors(tmp_path: Path, fleet: Fleet) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, "logged")
    release = repo.commit(damage=46)
    fleet.expose("logged", release)
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "hotswap", "serve", "--remote", repo.url, "--cache", str(tmp_path / "cache")),
            *("--prometheus", fleet.url, "--port", str(port), "--interval", "3600", "--log-format", "json"),
        ],
        env={**os.environ, "HOTSWAP_JWT_SECRET": SECRET},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    stderr = process.stderr
    assert stderr is not None
    events: list[dict[str, object]] = []
    other: list[str] = []  # anything else on stderr (a warning of the web stack), shown if a line is missing

    def read() -> None:
        for line in stderr:
            try:
                events.append(json.loads(line))
            except ValueError:
                other.append(line)

    threading.Thread(target=read, daemon=True).start()

    def wait_for(what: str) -> dict[str, object]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = [e for e in list(events) if e["event"] == what]
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no {what!r} line; saw {events}; other output: {other}")

    try:
        start = wait_for("start")
        assert start["address"] == f"http://127.0.0.1:{port}" and start["games"] == "logged"
        decision = wait_for("decision")
        assert decision["game"] == "logged" and release[:12] in str(decision["summary"]) and decision["wrote"]
        response = requests.post(
            f"http://127.0.0.1:{port}/api/v1/deployments/logged-{release[:12]}/rollback",
            headers=auth("operator"),
            json={"reason": "players report lag"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        rollback = wait_for("rollback")
        assert rollback["by"] == "alice" and rollback["deployment"] == f"logged-{release[:12]}"
        assert rollback["changed"] is True
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert all(SECRET not in json.dumps(e) for e in events)


def test_a_pass_that_fails_is_one_error_line(tmp_path: Path, fleet: Fleet) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, "broken")
    out = io.StringIO()
    remote = Remote(repo.url, tmp_path / "service-cache")
    service = Service(
        remote,
        Reconciler(remote, PrometheusSource(fleet.url, timeout=5)),
        AuthSettings(secret=SECRET),
        None,
        log=EventLog("json", out),
    )
    repo.remote.rename(tmp_path / "gone.git")  # the remote cannot be reached by the next pass
    service.reconcile_once()
    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["event"] == "error" and line["kind"] == "git" and "git fetch" in line["summary"]
