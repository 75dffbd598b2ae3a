"""Free text written into a commit or the ledger (a reason, who asks) refuses control characters:
through the API (422 naming the field) and the CLI (exit 2, one line naming the option) alike, and
nothing is written. A NUL used to cut the commit message short, dropping the trailers after it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from contract.instants import format_instant
from contract.text import FreeTextError, check_free_text, control_character
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings
from tests.conftest import RunCli, git
from tests.promoter.fixtures import GameRepo, make_game_repo

SECRET = "a-jwt-secret-that-is-long-enough-for-hs256"
NUL_REASON = "bad economy\u0000 (ticket 42)"
EVENT = """apiVersion: hotswap/v1
kind: LiveEvent
metadata: {{name: festival, game: g, version: 1.0.0}}
spec:
  displayName: Festival
  start: "{start}"
  end: "{end}"
  regions: [NA-WEST, EU-WEST]
"""


def test_control_characters_surrogates_and_bidi_controls_are_refused_and_nothing_else() -> None:
    bidi = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    refused = [*range(0x20), *range(0x7F, 0xA0), *bidi, *range(0xD800, 0xE000)]
    assert [c for c in range(0x10000) if control_character(f"ok{chr(c)}") is not None] == refused
    assert control_character("bad economy (ticket 42) — é, 日本, \u2028") is None
    # bytes that are not UTF-8 on a command line reach Python as lone surrogates
    assert control_character(b"bad\x85x".decode("utf-8", "surrogateescape")) == (3, "\udc85")
    assert control_character(NUL_REASON) == (11, "\u0000")
    with pytest.raises(FreeTextError, match=r"reason holds the control character U\+0000 at position 11"):
        check_free_text("reason", NUL_REASON)
    assert check_free_text("reason", "players report lag") == "players report lag"


@pytest.fixture
def repo(tmp_path: Path) -> GameRepo:
    """Game `g` with the live event `festival` running on main."""
    repo = make_game_repo(tmp_path, "g")
    now = datetime.now(UTC)
    event = EVENT.format(start=format_instant(now - timedelta(hours=1)), end=format_instant(now + timedelta(days=1)))
    (repo.work / "configs/g/event.yaml").write_text(event)
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", "festival")
    git(repo.work, "push", "-q", str(repo.remote), "main")
    return repo


@pytest.fixture
def client(tmp_path: Path, repo: GameRepo) -> Iterator[TestClient]:
    remote = Remote(repo.url, tmp_path / "service-cache")
    remote.fetch()
    service = Service(
        remote, Reconciler(remote, PrometheusSource("http://127.0.0.1:9")), AuthSettings(secret=SECRET), None, 3600
    )
    yield TestClient(create_app(service))


def bearer(sub: str = "alice") -> dict[str, str]:
    claims = {"sub": sub, "role": "operator", "exp": int(time.time() + 600)}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


def refs(repo: GameRepo) -> str:
    return git(repo.remote, "for-each-ref")


def test_the_api_refuses_a_control_character_in_a_reason_or_the_asker_and_writes_nothing(
    repo: GameRepo, client: TestClient
) -> None:
    before = refs(repo)
    stop = "/api/v1/games/g/events/festival/stop"
    asks = [
        (stop, {"reason": NUL_REASON}, bearer(), "reason"),
        (stop, {"reason": "exploit"}, bearer("ali\u0085ce"), "by"),
        ("/api/v1/deployments/g-0123456789ab/rollback", {"reason": "lag\nHotswap-Release: x"}, bearer(), "reason"),
        ("/api/v1/deployments/g-0123456789ab/approve", {"region": "NA-WEST"}, bearer("ops\u001b[2J"), "by"),
    ]
    for path, body, headers, field in asks:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        message = response.json()["fields"][field]
        assert message.startswith(f"{field} holds the control character U+") and "cannot be written" in message
    assert refs(repo) == before
    # the same stop with clean text is written whole
    done = client.post(stop, json={"reason": "bad economy (ticket 42)"}, headers=bearer())
    assert done.status_code == 200 and done.json()["changed"] is True, done.text
    assert "Hotswap-Reason: bad economy (ticket 42)" in git(repo.remote, "log", "-1", "--format=%B", "main")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["event", "stop", "--game", "g", "--event", "festival", "--reason", NUL_REASON, "--by", "ops"], "--reason"),
        (["event", "stop", "--game", "g", "--event", "festival", "--reason", "exploit", "--by", "o\tps"], "--by"),
        (["rollback", "--game", "g", "--reason", NUL_REASON, "--by", "ops"], "--reason"),
        (["rollback", "--game", "g", "--reason", "lag", "--by", "ops\u009b"], "--by"),
        (["approve", "--game", "g", "--region", "NA-WEST", "--by", "ops\u0000"], "--by"),
        (["rollback", "--game", "g", "--reason", b"bad\x85x".decode("utf-8", "surrogateescape")], "--reason"),
        (
            ["rollback", "--game", "g", "--reason", "lag", "--by", b"al\xffice".decode("utf-8", "surrogateescape")],
            "--by",
        ),
        (["event", "stop", "--game", "g", "--event", "festival", "--reason", "ok \u202eexploit"], "--reason"),
        (["approve", "--game", "g", "--lift-freeze", "--reason", "bad\udc85"], "--reason"),
    ],
)
def test_the_cli_refuses_a_control_character_with_one_line_naming_the_option(
    tmp_path: Path, repo: GameRepo, run_cli: RunCli, argv: list[str], option: str
) -> None:
    before = refs(repo)
    code, out, err = run_cli([*argv, "--remote", repo.url, "--cache", str(tmp_path / "cli-cache")])
    assert code == 2, (out, err)
    (line,) = err.strip().splitlines()
    assert f"{option} holds the control character U+" in line
    assert refs(repo) == before


def test_an_asker_from_the_environment_is_held_to_the_same_rule(
    tmp_path: Path, repo: GameRepo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSWAP_ACTOR", "ops\u001b[31m")
    before = refs(repo)
    argv = ["event", "stop", "--game", "g", "--event", "festival", "--reason", "exploit", "--remote", repo.url]
    code, _, err = run_cli([*argv, "--cache", str(tmp_path / "cli-cache")])
    assert code == 2 and "--by holds the control character U+001B" in err
    assert refs(repo) == before
