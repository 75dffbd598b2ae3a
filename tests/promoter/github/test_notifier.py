"""The promoter telling GitHub (a local server speaking its REST API) about rollouts it runs
against real parts: a bare remote and a Prometheus scraping the test exporter."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contract.refs import LEDGER_REF
from promoter.github.notify import _approval_pull
from promoter.gitio import PushResult, RefUpdate, Remote
from promoter.metrics import PrometheusSource
from promoter.model import Wait
from promoter.reconcile import Reconciler, utc_now
from tests.conftest import RunCli, git
from tests.github.fake_github import TOKEN, FakeGitHub
from tests.promoter.fixtures import Fleet, approve, bootstrapped, carries, drive, ring, types
from tests.promoter.github.fixtures import (
    failed,
    from_pull,
    ledger_record,
    merge_branch,
    merge_pull,
    push_all,
    rebase_merged,
    searches,
    settle,
    statuses,
    with_github,
)


def test_a_rollout_edits_one_comment_and_its_deployments_follow_the_steps(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, reconciler, _, release = from_pull(tmp_path, fleet, game_name, fake_github, 7, damage=47)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())
    settle(reconciler, game_name)

    (comment,) = fake_github.comments_on(7)  # one comment, however many steps
    assert "reached 100% of every region" in comment and f"`{game_name}` {release[:12]}" in comment
    assert "| NA-WEST | ● on it | ● on it | ● on it |" in comment
    edits = [c for c in fake_github.calls if c.method == "PATCH" and c.path.startswith("/issues/comments/")]
    assert len(edits) >= 3  # edited as the rollout went, not re-posted

    assert {d["environment"] for d in fake_github.deployments.values()} == {
        f"{game_name}/NA-WEST",
        f"{game_name}/EU-WEST",
    }
    assert all(d["ref"] == release for d in fake_github.deployments.values())
    na = statuses(fake_github, f"{game_name}/NA-WEST")
    assert [s for s, _ in na] == ["in_progress", "in_progress", "in_progress", "success"]
    assert na[0][1] == "NA-WEST at 10%"
    assert na[1][1].startswith(
        "NA-WEST at 50% after errors candidate 1 vs baseline 1 (+0.0%)"
    )  # the numbers that decided
    assert na[3][1].startswith("NA-WEST at 100%, checks passed: errors")
    assert [s for s, _ in statuses(fake_github, f"{game_name}/EU-WEST")] == ["in_progress", "success"]

    told = len(fake_github.writes())
    settle(reconciler, game_name)
    assert len(fake_github.writes()) == told  # everything was told once
    state = git(repo.remote, "show", f"refs/heads/hotswap/ledger:github/{game_name}/{release}.json")
    assert '"done": true' in state


def test_an_automatic_rollback_opens_the_revert_pull_request_with_the_evidence(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    # +200% errors against the baseline
    repo, reconciler, first, bad = from_pull(tmp_path, fleet, game_name, fake_github, 8, damage=400, errors=3.0)
    main_before = git(repo.remote, "rev-parse", "main")
    drive(lambda: reconciler.run_once([game_name]), lambda: "rollback" in types(repo, bad))
    settle(reconciler, game_name)

    assert repo.trailers(ring(game_name, "NA-WEST", 10))["Hotswap-Rollback-Of"] == bad
    assert git(repo.remote, "rev-parse", "main") == main_before  # main is changed by pull request only
    branch = f"hotswap/revert-{bad[:12]}"
    assert git(repo.remote, "rev-parse", f"{branch}:configs/{game_name}") == git(
        repo.remote, "rev-parse", f"{first}:configs/{game_name}"
    )
    (pull,) = [p for p in fake_github.pulls.values() if p["head"] == branch]
    assert pull["base"] == "main" and pull["state"] == "open"
    body = pull["body"]
    assert "errors" in body and "| 3 | 1 |" in body and "NA-WEST ring-10" in body and "#8" in body
    assert repo.events(bad)[-1]["outcome"] == "proposed"

    (comment,) = fake_github.comments_on(8)
    assert "was rolled back" in comment and f"#{pull['number']}" in comment
    assert statuses(fake_github, f"{game_name}/NA-WEST")[-1][0] == "failure"
    assert "errors" in statuses(fake_github, f"{game_name}/NA-WEST")[-1][1]


def test_merging_the_approval_pull_request_approves_the_region(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name, approval=True)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    release = repo.commit(damage=46, message="small buff (#3)")
    fake_github.open_pr(3)
    fleet.expose(game_name, release)
    drive(
        lambda: reconciler.run_once([game_name]),
        lambda: any(p["head"].startswith("hotswap/approve-") for p in fake_github.pulls.values()),
    )
    (number, pull) = next((n, p) for n, p in fake_github.pulls.items() if p["head"].startswith("hotswap/approve-"))
    assert pull["title"] == f"Approve {game_name} {release[:12]}: region EU-WEST"
    assert carries(repo, release, [("NA-WEST", 100)]) and not carries(repo, release, [("EU-WEST", 10)])
    approval = git(repo.remote, "show", f"{pull['head']}:approvals/{game_name}/{release[:12]}/EU-WEST.yaml")
    assert "wait: EU-WEST/gate" in approval
    assert f"merge #{number}" in fake_github.comments_on(3)[0]
    settle(reconciler, game_name)
    assert not carries(repo, release, [("EU-WEST", 10)])  # still waiting

    merge_branch(repo, pull["head"], number)
    fake_github.close_pr(number, merged=True)
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())
    approve = next(e for e in repo.events(release) if e["type"] == "approve")
    assert approve["region"] == "EU-WEST"
    assert approve["by"] == f"merge of approvals/{game_name}/{release[:12]}/EU-WEST.yaml on main"
    assert len([p for p in fake_github.pulls.values() if p["head"].startswith("hotswap/approve-")]) == 1


def test_a_warning_pause_is_approved_by_merging_its_own_approval_pull_request(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release, latency=250.0)  # over the warning threshold
    drive(lambda: reconciler.run_once([game_name]), lambda: bool(fake_github.pulls))
    ((number, pull),) = fake_github.pulls.items()
    pause = next(e for e in repo.events(release) if e["type"] == "pause")
    assert pull["title"] == f"Approve {game_name} {release[:12]}: NA-WEST at 10%" and "latency" in pull["body"]
    approval = git(repo.remote, "show", f"{pull['head']}:approvals/{game_name}/{release[:12]}/NA-WEST.yaml")
    assert "wait: NA-WEST/10/" in approval

    merge_branch(repo, pull["head"], number)
    fake_github.close_pr(number, merged=True)
    reconciler.run_once([game_name])
    assert carries(repo, release, [("NA-WEST", 50)])  # an approved warning goes on to the next step
    approve = next(e for e in repo.events(release) if e["type"] == "approve")
    assert approve["step"] == 10 and pause["reason"] in approve["reason"]


def test_closing_the_approval_pull_request_unmerged_rejects_and_rolls_back(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, _, first = bootstrapped(tmp_path, fleet, game_name, approval=True)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    release = repo.commit(damage=46, message="small buff")
    fleet.expose(game_name, release)
    drive(lambda: reconciler.run_once([game_name]), lambda: bool(fake_github.pulls))
    (number,) = fake_github.pulls
    fake_github.close_pr(number, merged=False)
    reconciler.run_once([game_name])

    assert "rollback" in types(repo, release)
    rollback = next(e for e in repo.events(release) if e["type"] == "rollback")
    assert f"#{number}" in rollback["reason"] and "rejected" in rollback["reason"]
    assert repo.trailers(ring(game_name, "NA-WEST", 100))["Hotswap-Release"] == first
    settle(reconciler, game_name)
    assert statuses(fake_github, f"{game_name}/NA-WEST")[-1][0] == "failure"


def test_a_github_outage_delays_what_is_told_not_the_rollout_and_it_catches_up_once(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    now = [time.time()]
    reconciler = with_github(tmp_path, fleet, repo, fake_github, client_clock=lambda: now[0])
    fake_github.open_pr(11)
    release = merge_pull(repo, 11, 47)
    fleet.expose(game_name, release)
    reconciler.run_once([game_name])  # NA-WEST ring-10, told
    assert carries(repo, release, [("NA-WEST", 10)]) and len(fake_github.comments_on(11)) == 1

    fake_github.fail(503)
    calls, passes = len(fake_github.calls), []
    drive(lambda: passes.append(reconciler.run_once([game_name])), lambda: carries(repo, release, [("NA-WEST", 100)]))
    report = reconciler.last_notify
    assert report is not None and report.error is not None and "503" in report.error and report.pending > 0
    # the rollout went on; one failed call per pass at most: a down GitHub is not hammered
    assert len(fake_github.calls) - calls <= len(passes)
    assert fake_github.comments_on(11)[0].count("● on it") == 1  # the comment waits for GitHub to be back

    fake_github.fail(403, times=1)  # then rate-limited until the reset, a minute from now
    reconciler.run_once([game_name])
    assert reconciler.last_notify is not None and "403" in (reconciler.last_notify.error or "")
    calls = len(fake_github.calls)
    reconciler.run_once([game_name])
    assert len(fake_github.calls) == calls  # no call at all before the reset
    assert "asked to wait" in (reconciler.last_notify.error or "")
    now[0] = time.time() + 61  # past the reset
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())
    settle(reconciler, game_name, 3)

    assert len(fake_github.comments_on(11)) == 1
    na = [s for s, _ in statuses(fake_github, f"{game_name}/NA-WEST")]
    assert na == ["in_progress", "in_progress", "in_progress", "success"]  # caught up, none twice
    assert [s for s, _ in statuses(fake_github, f"{game_name}/EU-WEST")] == ["in_progress", "success"]
    assert len(fake_github.deployments) == 2
    assert "reached 100% of every region" in fake_github.comments_on(11)[0]


def test_a_rebase_merged_release_finds_its_pull_request_by_one_search(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    _, reconciler, release = rebase_merged(tmp_path, fleet, game_name, fake_github)
    fake_github.open_pr(21, commits=(release,))
    settle(reconciler, game_name, 3)
    (comment,) = fake_github.comments_on(21)
    assert f"`{game_name}` {release[:12]}" in comment
    assert searches(fake_github) == 1


def test_approval_files_on_main_approve_only_when_well_formed_and_exact(
    tmp_path: Path, fleet: Fleet, game_name: str
) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name, approval=True)  # no GitHub at all
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    waits = "awaits approval for EU-WEST"
    seen: list[str] = []
    drive(lambda: seen.append(reconciler.run_once([game_name])[0].summary), lambda: waits in seen[-1])
    folder = repo.work / f"approvals/{game_name}/{release[:12]}"
    folder.mkdir(parents=True)
    bomb = 'a: &a ["x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(8)
    )
    hostile = {
        "EU-WEST.yaml": f'release: "{release}"\nregion: EU-WEST\nwait: NA-WEST/gate\n',  # approves another wait
        "NA-WEST.yaml": bomb,
        "EU-EAST.yaml": "x" * (64 << 10),
    }
    for name, text in hostile.items():
        (folder / name).write_text(text)
    push_all(repo, "hand-written approvals")
    for _ in range(3):
        assert waits in reconciler.run_once([game_name])[0].summary
    assert not carries(repo, release, [("EU-WEST", 10)]) and "approve" not in types(repo, release)

    (folder / "EU-WEST.yaml").write_text(f'release: "{release}"\nregion: EU-WEST\nwait: EU-WEST/gate\n')
    push_all(repo, "approve EU-WEST")
    reconciler.run_once([game_name])
    assert carries(repo, release, [("EU-WEST", 100)])


def test_approved_another_way_the_approval_pull_request_is_closed_and_rejects_nothing(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub, run_cli: RunCli
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name, approval=True)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    release = repo.commit(damage=46)
    fleet.expose(game_name, release)
    drive(lambda: reconciler.run_once([game_name]), lambda: bool(fake_github.pulls))
    (number,) = fake_github.pulls
    code, out = approve(run_cli, repo, tmp_path / "cli-cache", "EU-WEST", by="lead")
    assert code == 0, out
    tag = f"refs/tags/release/{game_name}/{release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())
    settle(reconciler, game_name)
    assert fake_github.pulls[number]["state"] == "closed" and not fake_github.pulls[number]["merged"]
    assert "no longer waits" in fake_github.comments_on(number)[-1]
    assert "rollback" not in types(repo, release) and "reject" not in types(repo, release)


def test_the_commands_tell_github_when_a_token_is_set(
    tmp_path: Path,
    fleet: Fleet,
    game_name: str,
    fake_github: FakeGitHub,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _, first = bootstrapped(tmp_path, fleet, game_name)
    fake_github.open_pr(5)
    release = merge_pull(repo, 5, damage=46)
    fleet.expose(game_name, release)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", f"{fake_github.owner}/{fake_github.name}")
    monkeypatch.setenv("HOTSWAP_GITHUB_URL", fake_github.base)
    remote = ["--remote", repo.url, "--cache", str(tmp_path / "cli")]
    code, out, err = run_cli(["reconcile", "--once", *remote, "--prometheus", fleet.url])
    assert code == 0, err
    assert out.endswith("~ GitHub: 3 told\n")  # a deployment, its status, the comment; nothing owed
    assert len(fake_github.comments_on(5)) == 1 and len(fake_github.deployments) == 1

    main = git(repo.remote, "rev-parse", "main")
    code, out, err = run_cli(["rollback", *remote, "--game", game_name, "--reason", "players hate it", "--by", "lead"])
    assert code == 0, err
    assert git(repo.remote, "rev-parse", "main") == main  # reverted by pull request, not pushed
    (revert,) = [p for p in fake_github.pulls.values() if p["head"] == f"hotswap/revert-{release[:12]}"]
    assert "players hate it" in revert["body"] and "NA-WEST ring-10" in revert["body"]
    assert statuses(fake_github, f"{game_name}/NA-WEST")[-1][0] == "failure"
    assert repo.trailers(ring(game_name, "NA-WEST", 10))["Hotswap-Release"] == first


def test_recording_what_was_told_survives_another_ledger_writer(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, reconciler, _, release = from_pull(tmp_path, fleet, game_name, fake_github, 9, damage=47)
    other = Remote(repo.url, tmp_path / "other-cache")
    remote = reconciler.remote
    original = remote.push
    raced: list[bool] = []

    def push_after_someone_else(updates: Sequence[RefUpdate]) -> PushResult:
        told = [u.ref for u in updates] == [LEDGER_REF] and remote.commit(str(updates[0].new)).message.startswith(
            "hotswap: told GitHub"
        )
        if told and not raced:  # the first write of what was told loses the race to another writer
            raced.append(True)
            other.fetch()
            assert other.push_ledger(
                {f"github/{game_name}/other.json": {"game": game_name, "release": "other"}}, "x", datetime.now(UTC)
            ).ok
        return original(updates)

    monkeypatch.setattr(remote, "push", push_after_someone_else)
    reconciler.run_once([game_name])
    assert raced and reconciler.last_notify is not None and reconciler.last_notify.error is None
    ours = json.loads(git(repo.remote, "show", f"refs/heads/hotswap/ledger:github/{game_name}/{release}.json"))
    assert ours["sent"] == {"NA-WEST": 1} and set(ours["deployments"]) == {"NA-WEST"}  # recorded after the retry
    git(repo.remote, "show", f"refs/heads/hotswap/ledger:github/{game_name}/other.json")  # theirs kept
    assert len(fake_github.deployments) == 1


def test_a_pull_request_that_does_not_exist_fails_its_comment_only_and_later_releases_are_told(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub, run_cli: RunCli
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    first = repo.commit(damage=46, message="buff rifle (#404)")  # names a pull request GitHub does not have
    fleet.expose(game_name, first)
    tag = f"refs/tags/release/{game_name}/{first[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs())
    settle(reconciler, game_name)
    record = ledger_record(repo, game_name, first)
    assert "404" in record["failed"]["comment"] and record["done"] is True
    na = [s for s, _ in statuses(fake_github, f"{game_name}/NA-WEST")]
    assert na == ["in_progress", "in_progress", "in_progress", "success"]  # the rest of the release was told
    assert len([c for c in fake_github.calls if c.path == "/issues/404"]) == 1  # refused once, never asked again
    assert reconciler.last_notify is not None and reconciler.last_notify.pending == 0
    # `hotswap status` shows what GitHub refused, from the ledger
    code, out, _ = run_cli(["status", "--remote", repo.url, "--cache", str(tmp_path / "c-status"), "--format", "json"])
    (status,) = [g for g in json.loads(out)["games"] if g["game"] == game_name]
    assert code == 0 and [(r["release"], r["item"]) for r in status["githubRefused"]] == [(first, "comment")]
    assert "404" in status["githubRefused"][0]["why"]

    fake_github.open_pr(12)
    second = merge_pull(repo, 12, damage=48)
    fleet.expose(game_name, second)
    reconciler.run_once([game_name])
    assert carries(repo, second, [("NA-WEST", 10)])
    (comment,) = fake_github.comments_on(12)  # the next release is told
    assert f"`{game_name}` {second[:12]}" in comment


PROTECT_APPROVALS = (  # a rule keeping the promoter from pushing hotswap/approve-*
    '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/hotswap/approve-*)'
    ' echo "protected by a rule" >&2; exit 1;; esac; done\n'
)


@pytest.mark.parametrize(
    ("refusal", "why", "asked"),
    [("actions", "GitHub Actions is not permitted", 1), ("rule", "the remote refused it", 0)],
)
def test_an_approval_pull_request_refused_for_good_fails_that_item_not_the_rest(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub, refusal: str, why: str, asked: int
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name, approval=True)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    if refusal == "actions":
        fake_github.actions_may_open_pulls = False
    else:
        hook = repo.remote / "hooks" / "pre-receive"
        hook.write_text(PROTECT_APPROVALS)
        hook.chmod(0o755)
    release = repo.commit(damage=46, message="small buff (#3)")
    fake_github.open_pr(3)
    fleet.expose(game_name, release)
    key = "approval:EU-WEST/gate"
    drive(lambda: reconciler.run_once([game_name]), lambda: key in failed(repo, game_name, release))
    settle(reconciler, game_name)
    assert why in failed(repo, game_name, release)[key]
    assert list(fake_github.pulls) == [3]  # no approval pull request, and it is not asked again and again
    assert len([c for c in fake_github.calls if c.method == "POST" and c.path == "/pulls"]) == asked
    assert "EU-WEST" in fake_github.comments_on(3)[0]  # the comment and the deployments were told
    assert [s for s, _ in statuses(fake_github, f"{game_name}/NA-WEST")][-1] == "success"
    report = reconciler.last_notify
    assert report is not None and report.error is None and report.pending == 0


def test_the_search_for_a_rebase_merged_pull_request_is_asked_again_until_it_is_indexed(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    _, reconciler, release = rebase_merged(tmp_path, fleet, game_name, fake_github)
    fake_github.open_pr(21)  # merged, but not in GitHub's search index yet
    settle(reconciler, game_name, 2)
    assert searches(fake_github) == 2 and fake_github.comments_on(21) == []  # once a pass
    fake_github.pulls[21]["commits"] = (release,)  # indexed now
    settle(reconciler, game_name, 2)
    (comment,) = fake_github.comments_on(21)
    assert f"`{game_name}` {release[:12]}" in comment
    assert searches(fake_github) == 3  # found: not asked again


def test_the_search_gives_up_after_half_an_hour_and_records_it(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    later = [timedelta()]
    repo, reconciler, release = rebase_merged(
        tmp_path, fleet, game_name, fake_github, clock=lambda: utc_now() + later[0]
    )
    reconciler.run_once([game_name])
    assert "origin" not in ledger_record(repo, game_name, release)["failed"]
    later[0] = timedelta(minutes=31)
    settle(reconciler, game_name, 3)
    record = ledger_record(repo, game_name, release)
    assert "no pull request" in record["failed"]["origin"] and record["searched"] is True
    assert searches(fake_github) == 2  # then never again


def test_a_revert_branch_pushed_in_advance_is_not_used(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    # +200% errors: the release will be rolled back, and its revert branch's name is predictable
    repo, reconciler, _, bad = from_pull(tmp_path, fleet, game_name, fake_github, 8, damage=400, errors=3.0)
    branch = f"hotswap/revert-{bad[:12]}"
    git(repo.work, "checkout", "-q", "-b", branch)
    git(repo.work, "revert", "--no-commit", "-m", "1", bad)  # the real revert, trailer and all ...
    workflow = repo.work / ".github/workflows/steal.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text("on: push\njobs: {}\n")  # ... plus a workflow of the attacker's
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", f"Revert\n\nHotswap-Rollback-Of: {bad}\n")
    git(repo.work, "push", "-q", str(repo.remote), branch)
    planted = git(repo.remote, "rev-parse", branch)
    git(repo.work, "checkout", "-q", "main")

    drive(lambda: reconciler.run_once([game_name]), lambda: "rollback" in types(repo, bad))
    settle(reconciler, game_name)
    assert repo.events(bad)[-1]["outcome"] == "proposed"
    assert not [p for p in fake_github.pulls.values() if p["head"] == branch]  # no pull request from it
    assert git(repo.remote, "rev-parse", branch) == planted  # refused, not overwritten
    assert "not the revert" in failed(repo, game_name, bad)["revert-pull"]
    assert "was rolled back" in fake_github.comments_on(8)[0]  # the rest is told


def test_an_approval_branch_pushed_in_advance_is_not_used(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name, approval=True)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    release = repo.commit(damage=46)
    approval = _approval_pull(game_name, Wait(release, "", "EU-WEST", None, None, ""))
    git(repo.work, "checkout", "-q", "-b", approval.branch)
    (repo.work / approval.path).parent.mkdir(parents=True)
    (repo.work / approval.path).write_text(approval.content)  # the file the promoter would add ...
    (repo.work / ".github/workflows").mkdir(parents=True, exist_ok=True)
    (repo.work / ".github/workflows/steal.yml").write_text("on: push\njobs: {}\n")  # ... and another
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "-q", "-m", f"{approval.title}\n\nHotswap-Approval: EU-WEST/gate\n")
    git(repo.work, "push", "-q", str(repo.remote), approval.branch)
    git(repo.work, "checkout", "-q", "main")

    fleet.expose(game_name, release)
    key = "approval:EU-WEST/gate"
    drive(lambda: reconciler.run_once([game_name]), lambda: key in failed(repo, game_name, release))
    settle(reconciler, game_name)
    assert not fake_github.pulls
    assert "changes more than its approval file" in failed(repo, game_name, release)[key]
    assert carries(repo, release, [("NA-WEST", 100)]) and not carries(repo, release, [("EU-WEST", 10)])


def test_a_revert_branch_deleted_before_its_pull_request_fails_that_item_only(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, _, _ = bootstrapped(tmp_path, fleet, game_name)
    fake_github.open_pr(8)
    bad = merge_pull(repo, 8, damage=400)
    fleet.expose(game_name, bad, errors=3.0)
    quiet = Reconciler(Remote(repo.url, tmp_path / "quiet"), PrometheusSource(fleet.url, timeout=5), revert_main="pull")
    drive(lambda: quiet.run_once([game_name]), lambda: "rollback" in types(repo, bad))  # GitHub not told yet
    branch = f"hotswap/revert-{bad[:12]}"
    git(repo.remote, "branch", "-D", branch)
    reconciler = with_github(tmp_path, fleet, repo, fake_github)
    settle(reconciler, game_name)
    assert "not on the remote" in failed(repo, game_name, bad)["revert-pull"]
    assert not fake_github.pulls.keys() - {8}
    assert "was rolled back" in fake_github.comments_on(8)[0]
    assert statuses(fake_github, f"{game_name}/NA-WEST")[-1][0] == "failure"


def test_a_git_failure_while_telling_is_a_git_error_not_a_github_one(
    tmp_path: Path, fleet: Fleet, game_name: str, fake_github: FakeGitHub
) -> None:
    repo, reconciler, _, release = from_pull(tmp_path, fleet, game_name, fake_github, 7, damage=47)
    assert reconciler.notifier is not None
    Reconciler(reconciler.remote, reconciler.metrics).run_once([game_name])  # the first step, GitHub not told yet
    assert carries(repo, release, [("NA-WEST", 10)])
    hook = repo.remote / "hooks" / "pre-receive"  # from now on the ledger cannot be written
    hook.write_text('#!/bin/sh\ngrep -q refs/heads/hotswap/ledger && { echo "ledger frozen" >&2; exit 1; }\nexit 0\n')
    hook.chmod(0o755)
    report = reconciler.notifier.run([game_name])
    assert report.told > 0  # GitHub was told; recording it in git failed
    assert report.error is not None and "recording what GitHub was told" in report.error
    assert report.error_kind == "git"
