"""What to tell GitHub, on plain values: a rollout's events and what was already told."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from promoter.github.notify import (
    EnsureDeployment,
    FindOrigin,
    NotifyState,
    OpenApprovalPull,
    OpenRevertPull,
    PostComment,
    PostDeploymentStatus,
    RolloutView,
    SettleApprovalPull,
    deployment_statuses,
    finished,
    origin_pull,
    plan,
)
from promoter.model import CheckResult, Event, RolloutRecord, Wait
from tests.promoter.snapshots import NEW, POLICY, T0, at_step, snap

PASS = (CheckResult("churn", "pass", 0.0101, 0.01, "candidate 0.0101 vs baseline 0.01 (+1.0%)"),)
BAD = (CheckResult("churn", "critical", 0.05, 0.01, "candidate 0.05 vs baseline 0.01 (+400.0%)"),)


def events(*more: Event) -> RolloutRecord:
    return RolloutRecord("g", NEW, "tree-bbbb", (Event(T0, "deploy", "NA-WEST", 10), *more))


def view(record: RolloutRecord | None, state: NotifyState | None = None, wait: Wait | None = None) -> RolloutView:
    return RolloutView(
        snap(rings=at_step([("NA-WEST", 10)])), NEW, record, POLICY, wait, state or NotifyState("g", NEW), 7
    )


def test_the_pull_request_a_release_came_from() -> None:
    assert origin_pull("Merge pull request #42 from studio/buff\n\nbody") == 42
    assert origin_pull("Buff the rifle (#43)\n\n* details") == 43
    assert origin_pull("Buff the rifle") is None
    assert origin_pull("") is None


def test_deployment_statuses_follow_the_events_with_the_deciding_numbers() -> None:
    record = events(
        Event(T0, "evaluate", "NA-WEST", 10, "pass", checks=PASS),
        Event(T0, "deploy", "NA-WEST", 50),
        Event(T0, "evaluate", "NA-WEST", 50, "critical", checks=BAD),
        Event(T0, "rollback", reason="critical at NA-WEST/50%: churn +400%"),
    )
    assert deployment_statuses(record, POLICY) == {
        "NA-WEST": [
            ("in_progress", "NA-WEST at 10%"),
            ("in_progress", "NA-WEST at 50% after churn candidate 0.0101 vs baseline 0.01 (+1.0%)"),
            ("failure", "rolled back: critical at NA-WEST/50%: churn +400%"),
        ]
    }


def test_only_what_was_not_told_is_planned_in_order() -> None:
    record = events(Event(T0, "evaluate", "NA-WEST", 10, "pass", checks=PASS), Event(T0, "deploy", "NA-WEST", 50))
    first = plan(view(record))
    assert [type(op) for op in first] == [EnsureDeployment, PostDeploymentStatus, PostDeploymentStatus, PostComment]
    comment = first[-1]
    assert isinstance(comment, PostComment) and comment.pull == 7 and comment.body.startswith(comment.marker)

    told = NotifyState("g", NEW, comment.digest, {"NA-WEST": 5}, {"NA-WEST": 1})
    (status,) = plan(view(record, told))
    assert isinstance(status, PostDeploymentStatus)
    assert (status.region, status.index, status.state) == ("NA-WEST", 1, "in_progress")
    assert plan(view(record, replace(told, sent={"NA-WEST": 2}))) == ()


def test_a_wait_gets_one_approval_pull_request_and_is_checked_while_open() -> None:
    wait = Wait(NEW, "tree-bbbb", "EU-WEST", None, None, "approval: required")
    ops = plan(view(events(), wait=wait))
    (approval,) = [op for op in ops if isinstance(op, OpenApprovalPull)]
    assert approval.path == "approvals/g/bbbbbbbbbbbb/EU-WEST.yaml"
    assert "wait: EU-WEST/gate" in approval.content and f'release: "{NEW}"' in approval.content
    asked = NotifyState("g", NEW, approvals={"EU-WEST/gate": 12})
    ops = plan(view(events(), asked, wait))
    assert not any(isinstance(op, OpenApprovalPull) for op in ops)
    assert SettleApprovalPull("EU-WEST/gate", 12, True) in ops
    # approved another way: the pull request is no longer current and gets closed
    assert SettleApprovalPull("EU-WEST/gate", 12, False) in plan(view(events(), asked))
    assert not any(isinstance(op, SettleApprovalPull) for op in plan(replace(view(events(), asked), check_pulls=False)))


def test_a_proposed_revert_gets_its_pull_request_once_and_then_the_rollout_is_finished() -> None:
    record = events(
        Event(T0, "rollback", reason="critical", checks=BAD),
        Event(T0 + timedelta(seconds=1), "main-revert", outcome="proposed", reason="hotswap/revert-bbbbbbbbbbbb"),
    )
    ops = plan(view(record))
    (revert,) = [op for op in ops if isinstance(op, OpenRevertPull)]
    assert revert.branch == "hotswap/revert-bbbbbbbbbbbb" and "| churn | critical | 0.05 | 0.01 |" in revert.body
    assert not finished(view(record))
    comment = next(op for op in ops if isinstance(op, PostComment))
    told = NotifyState("g", NEW, None, {"NA-WEST": 5}, {"NA-WEST": 2}, revert_pull=13)
    comment = next(op for op in plan(view(record, told)) if isinstance(op, PostComment))
    assert "#13" in comment.body and "was rolled back" in comment.body
    assert finished(view(record, replace(told, comment=comment.digest)))


def test_state_round_trips_through_json() -> None:
    state = NotifyState("g", NEW, "abc", {"NA-WEST": 1}, {"NA-WEST": 3}, 9, {"EU-WEST/gate": 4}, frozenset({"x"}), True)
    assert NotifyState.from_json(state.as_json()) == state


def test_free_text_cannot_mention_people_or_inject_html() -> None:
    reason = "manual rollback by mallory: ping @studio/everyone <img src=x onerror=alert(1)> | cell"
    record = events(Event(T0, "rollback", reason=reason))
    comment = next(op for op in plan(view(record)) if isinstance(op, PostComment))
    assert "@studio" not in comment.body and "<img" not in comment.body and " \\| cell" in comment.body
    assert "mallory" in comment.body


def test_without_a_number_in_the_commit_github_is_asked_once_for_the_pull_request() -> None:
    unnamed = replace(view(events()), origin_pull=None)
    assert FindOrigin(NEW) in plan(unnamed) and not any(isinstance(op, PostComment) for op in plan(unnamed))
    found = replace(unnamed, state=NotifyState("g", NEW, origin=31, searched=True))
    assert any(isinstance(op, PostComment) and op.pull == 31 for op in plan(found))
    none = replace(unnamed, state=NotifyState("g", NEW, searched=True))
    assert not any(isinstance(op, FindOrigin | PostComment) for op in plan(none))
