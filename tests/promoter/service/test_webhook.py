"""`POST /webhooks/github` on a real `hotswap serve` app over loopback, fed GitHub's own example
payloads (npm `@octokit/webhooks-examples`, installed by scripts/setup.sh)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from promoter.github.client import GitHubClient
from promoter.github.port import GitHubSettings
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings
from promoter.service.webhook import Replays, decide
from tests.github.loopback import serving
from tests.github.openapi import EXAMPLES
from tests.promoter.fixtures import free_port

SECRET = b"webhook-secret"
EXAMPLE_REPO = "Codertocat/Hello-World"  # the repository GitHub's example pushes and pull requests come from
_ids = itertools.count()


def examples(event: str) -> list[dict[str, Any]]:
    index = json.loads((EXAMPLES / "index.json").read_text())
    return [e for entry in index if entry["name"] == event for e in entry["examples"]]


def signed(body: bytes, secret: bytes = SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass
class Hook:
    url: str
    service: Service

    def send(
        self, event: str, payload: Any, delivery: str | None = None, signature: str | None = None
    ) -> requests.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or f"delivery-{next(_ids)}",
            "X-Hub-Signature-256": signature or signed(body),
            "Content-Type": "application/json",
        }
        self.service.wake.clear()
        return requests.post(self.url + "/webhooks/github", data=body, headers=headers, timeout=10)

    @property
    def woke(self) -> bool:
        return self.service.wake.is_set()


@pytest.fixture
def hook(tmp_path: Path) -> Iterator[Hook]:
    assert (EXAMPLES / "index.json").exists(), "npm @octokit/webhooks-examples is not installed (scripts/setup.sh)"
    remote = Remote(str(tmp_path / "nowhere.git"), tmp_path / "cache")  # the webhook never reads git
    service = Service(
        remote,
        Reconciler(remote, PrometheusSource(f"http://127.0.0.1:{free_port()}", timeout=1)),
        AuthSettings(),
        SECRET,
        github=GitHubClient(GitHubSettings(EXAMPLE_REPO, "t", f"http://127.0.0.1:{free_port()}")),
    )
    with serving(create_app(service)) as url:
        yield Hook(url, service)


def test_githubs_example_deliveries(hook: Hook) -> None:
    for ping in examples("ping"):
        answer = hook.send("ping", ping)
        assert answer.status_code == 200 and not hook.woke
    for push in examples("push"):
        answer = hook.send("push", push)
        assert answer.status_code == 202 and hook.woke, push["ref"]
    pulls = examples("pull_request")
    for pull in pulls:
        answer = hook.send("pull_request", pull)
        if pull["action"] == "closed":  # merged or closed: an approval may have been given or refused
            assert answer.status_code == 202 and hook.woke
        else:
            assert answer.status_code == 200 and not hook.woke, pull["action"]
    closed = next(p for p in pulls if p["action"] == "closed")
    merged = closed | {"pull_request": closed["pull_request"] | {"merged": True}, "number": 99}
    assert hook.send("pull_request", merged).status_code == 202 and hook.woke


def test_forged_and_unsigned_deliveries_are_refused(hook: Hook) -> None:
    push = examples("push")[-1]
    body = json.dumps(push).encode()
    assert hook.send("push", body, signature=signed(body, b"guess")).status_code == 401
    assert hook.send("push", body, signature="sha1=abc").status_code == 401
    assert not hook.woke


def test_a_replayed_delivery_answers_200_and_does_nothing(hook: Hook) -> None:
    push = next(p for p in examples("push") if p["ref"] == "refs/heads/master")
    body = json.dumps(push).encode()
    assert hook.send("push", body, delivery="d-1").status_code == 202 and hook.woke
    again = hook.send("push", body, delivery="d-1")  # GitHub redelivers: the same id
    assert again.status_code == 200 and again.json() == {"duplicate": "delivery"} and not hook.woke
    replay = hook.send("push", body, delivery="d-new")  # a captured delivery under a new id
    assert replay.status_code == 200 and replay.json() == {"duplicate": "body"} and not hook.woke
    other = json.dumps(push | {"after": "f" * 40}).encode()  # a new push is new
    assert hook.send("push", other, delivery="d-2").status_code == 202 and hook.woke


@pytest.mark.parametrize(
    "ref",
    [
        "refs/heads/deploy/g/NA-WEST/ring-10",
        "refs/heads/hotswap/ledger",
        "refs/heads/hotswap/revert-0123456789ab",
        "refs/heads/hotswap/config/g-balance-0123456789ab",
        "refs/tags/release/g/0123456789ab",
    ],
)
def test_pushes_to_hotswaps_own_refs_wake_nothing(hook: Hook, ref: str) -> None:
    push = next(p for p in examples("push") if p["ref"] == "refs/heads/master") | {"ref": ref}
    answer = hook.send("push", push)
    assert answer.status_code == 200 and "own ref" in answer.json()["result"] and not hook.woke


def test_deliveries_for_another_repository_wake_nothing(hook: Hook) -> None:
    push = next(p for p in examples("push") if p["ref"] == "refs/heads/master")
    elsewhere = push | {"repository": push["repository"] | {"full_name": "someone/else"}}
    answer = hook.send("push", elsewhere)
    assert answer.status_code == 200 and "someone/else" in answer.json()["result"] and not hook.woke
    hook.service.github = None  # no repository configured: any repository's push wakes the loop
    assert hook.send("push", elsewhere | {"after": "e" * 40}).status_code == 202 and hook.woke


def test_replays_are_remembered_for_a_window_and_bounded() -> None:
    replays = Replays(window=600, size=2)
    assert replays.seen("d-1", b"body", now=0) is None
    assert replays.seen("d-2", b"body", now=100) == "body"
    assert replays.seen("d-2", b"other", now=100) == "delivery"
    assert replays.seen("d-3", b"body", now=701) is None  # the window has passed
    for i in range(5):
        replays.seen(f"x-{i}", f"b-{i}".encode(), now=702)
    assert replays.seen("d-4", b"body", now=703) is None  # memory is bounded: the oldest are forgotten


def test_what_wakes_the_loop() -> None:
    assert decide("push", {"ref": "refs/heads/main", "repository": {"full_name": "A/B"}}, "a/b")[0]
    assert not decide("push", {"ref": "refs/heads/main", "repository": {"full_name": "a/c"}}, "a/b")[0]
    assert not decide("issues", {"action": "opened"}, None)[0]
    assert not decide("ping", {}, None)[0]
    assert decide("pull_request", {"action": "closed"}, None)[0]


def test_a_signed_body_that_is_not_json_is_a_400(hook: Hook) -> None:
    assert hook.send("push", b"[" * 100_000).status_code == 400  # nested past the parser's depth
    assert hook.send("push", b"{not json").status_code == 400
    assert not hook.woke
