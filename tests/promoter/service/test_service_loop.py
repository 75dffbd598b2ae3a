"""The service never stops on one bad input: its loop survives and says it is alive, blocking work
stays off the event loop, and bad bodies and paths get a 4xx, never a 500."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from promoter.gitio import Remote
from promoter.metrics import MetricsSource
from promoter.reconcile import Reconciler
from promoter.service.app import Service
from promoter.service.auth import AuthSettings
from tests.conftest import git
from tests.promoter.fixtures import BALANCE, HUGE, drive
from tests.promoter.service.harness import SECRET, Api, auth


def test_an_integer_of_5000_digits_on_main_leaves_every_endpoint_answering(api: Api) -> None:
    game = api.repo.game
    huge = api.repo.commit(files={f"configs/{game}/balance.yaml": BALANCE.format(game=game, damage=HUGE)})
    (outcome,) = api.service.reconcile_once()
    assert outcome.error is None, outcome
    for path in ("/", "/api/v1/games", "/api/v1/deployments", f"/api/v1/games/{game}/configs"):
        assert api.get(path).status_code == 200, path
    rollout = f"{game}-{api.release[:12]}"
    response = api.post(f"/api/v1/deployments/{rollout}/rollback", "operator", {"reason": "lag"})
    assert response.status_code == 200, response.text
    # with the rollout in flight ended, the next pass judges the new release: rejected, recorded
    rejected = f"/api/v1/deployments/{game}-{huge[:12]}"
    drive(api.service.reconcile_once, lambda: api.get(rejected).status_code == 200)
    answer = api.get(rejected).json()
    assert answer["state"] == "rejected" and "[number-too-large]" in str(answer["history"])


class Exploding(MetricsSource):
    """A metric source with a bug: what it raises is no MetricsError."""

    def query(self, promql: str, at: object) -> float | None:
        raise RuntimeError("a bug in a metric source")


def test_the_loop_survives_a_bug_in_a_pass_counts_it_by_kind_and_shows_it_is_alive(api: Api) -> None:
    api.service.reconciler.metrics = Exploding()
    api.service.interval = 0.2
    stop = threading.Event()
    thread = threading.Thread(target=api.service.loop, args=(stop,), daemon=True)
    thread.start()

    def counted() -> float:
        text = api.get("/metrics", role=None).text
        line = next((ln for ln in text.splitlines() if ln.startswith('hotswap_errors_total{kind="internal"}')), "")
        return float(line.split()[-1]) if line else 0.0

    drive(lambda: None, lambda: counted() >= 3, timeout=60)
    health = api.get("/healthz", role=None)
    assert health.status_code == 200 and health.json()["loop"] == "running"
    assert health.json()["loopBeatAgeSeconds"] is not None
    assert thread.is_alive()
    stop.set()
    api.service.wake.set()
    thread.join(timeout=30)
    stopped = api.get("/healthz", role=None)
    assert stopped.status_code == 503 and stopped.json() == stopped.json() | {"ok": False, "loop": "stopped"}


def test_a_remote_that_cannot_be_reached_is_counted_and_the_loop_goes_on(tmp_path: Path) -> None:
    remote = Remote(str(tmp_path / "no-such-remote.git"), tmp_path / "cache")
    service = Service(remote, Reconciler(remote, Exploding()), AuthSettings(secret=SECRET), None, interval=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=service.loop, args=(stop,), daemon=True)
    thread.start()
    drive(lambda: None, lambda: service.metrics.errors.labels("git")._value.get() >= 3, timeout=60)
    assert thread.is_alive() and service.loop_state == "running" and "git" in (service.last_error or "")
    stop.set()
    thread.join(timeout=30)


def test_healthz_answers_while_requests_wait_for_the_lock(api: Api) -> None:
    rollout = f"{api.repo.game}-{api.release[:12]}"
    answers: list[int] = []
    with api.service.lock:  # a long pass holds it
        waiting = [
            threading.Thread(
                target=lambda: answers.append(
                    api.post(f"/api/v1/deployments/{rollout}/approve", "operator", {"region": "NA-WEST"}).status_code
                )
            ),
            threading.Thread(
                target=lambda: answers.append(
                    api.post(
                        "/api/v1/game-configs",
                        "admin",
                        {"path": f"configs/{api.repo.game}/x.yaml", "content": "a: 1"},
                    ).status_code
                )
            ),
        ]
        for t in waiting:
            t.start()
        time.sleep(0.5)  # let both reach the lock
        # a liveness check, not a benchmark: the answer comes while both requests still wait
        assert requests.get(api.url + "/healthz", timeout=2).status_code == 200
        assert requests.get(api.url + "/readyz", timeout=2).status_code == 200
        assert answers == []
    for t in waiting:
        t.join(timeout=60)
    assert sorted(answers) == [409, 422]


def post_raw(api: Api, path: str, role: str, body: bytes) -> requests.Response:
    headers = auth(role) | {"Content-Type": "application/json"}
    return requests.post(api.url + path, data=body, headers=headers, timeout=30)


def test_bodies_nested_too_deep_or_not_unicode_get_400(api: Api) -> None:
    rollout = f"{api.repo.game}-{api.release[:12]}"
    before = api.repo.refs()
    for path, role in ((f"/api/v1/deployments/{rollout}/rollback", "operator"), ("/api/v1/game-configs", "admin")):
        deep = post_raw(api, path, role, b"[" * 100_000)
        assert deep.status_code == 400 and "nested" in deep.json()["error"]
        deep_object = post_raw(api, path, role, b'{"a":' * 50_000)
        assert deep_object.status_code == 400
    lone = post_raw(api, f"/api/v1/deployments/{rollout}/rollback", "operator", b'{"reason": "lag \\ud800"}')
    assert lone.status_code == 400 and "surrogate" in lone.json()["error"]
    path = f"configs/{api.repo.game}/balance.yaml"
    content = b'{"path": "' + path.encode() + b'", "content": "a: \\udfff"}'
    assert post_raw(api, "/api/v1/game-configs", "admin", content).status_code == 400
    assert api.repo.refs() == before


@pytest.mark.parametrize(
    "path",
    [
        "/configs/g/x.yaml",
        "configs/g/../x.yaml",
        "configs/./g/x.yaml",
        "configs//g/x.yaml",
        "configs/g//x.yaml",
        "configs\\g\\x.yaml",
        "configs/g/x\x00.yaml",
        "configs/g/x\n.yaml",
        "configs/g/.git/x.yaml",
        "configs/g/" + "a" * 300 + ".yaml",
        "configs/x.yaml",
        "configs/g/x.txt",
        "",
    ],
)
def test_odd_proposal_paths_get_422(api: Api, path: str) -> None:
    response = api.post("/api/v1/game-configs", "admin", {"path": path, "content": "a: 1"})
    assert response.status_code == 422, response.text
    assert "path" in response.json()["fields"]


def test_a_path_under_an_existing_file_is_refused_and_nothing_is_written(api: Api) -> None:
    before = api.repo.refs()
    game = api.repo.game
    # a valid document on its own: only where it would go is wrong
    content = BALANCE.format(game=game, damage=47).replace("name: balance", "name: other").replace("rifle", "pistol")
    response = api.post(
        "/api/v1/game-configs", "admin", {"path": f"configs/{game}/balance.yaml/x.yaml", "content": content}
    )
    assert response.status_code == 409, response.text
    assert f"configs/{game}/balance.yaml is a file" in response.json()["error"]
    assert api.repo.refs() == before
    assert "balance.yaml" in git(api.repo.remote, "ls-tree", "--name-only", f"main:configs/{game}")
