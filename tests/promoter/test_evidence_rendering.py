"""Every place that shows a check's evidence: `hotswap status` (text and JSON), the API's deployment
metrics, the status page, the PR comment and the deployment statuses (GitHub's 140 characters)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from rich.console import Console

from hotswap.commands.status import print_game
from promoter.github.notify import NotifyState, RolloutView, deployment_statuses
from promoter.github.render import revert_body, rollout_comment
from promoter.model import CheckResult, Event, RolloutRecord
from promoter.service.page import render
from promoter.service.views import deployment_metrics
from promoter.status import game_status
from tests.promoter.evidence_samples import ABSOLUTE, CHURN_NEED, JUDGED, MEAN, RATE, judged
from tests.promoter.snapshots import NEW, POLICY, T0, at_step, snap

NOW = T0 + timedelta(minutes=40)


def record(checks: tuple[CheckResult, ...] = JUDGED, *more: Event) -> RolloutRecord:
    return RolloutRecord(
        "g",
        NEW,
        "tree-bbbb",
        (
            Event(T0, "deploy", "NA-WEST", 10),
            Event(T0 + timedelta(minutes=30), "evaluate", "NA-WEST", 10, "hold", checks=checks),
            *more,
        ),
    )


def test_status_json_passes_the_evidence_through_and_text_reads_it() -> None:
    status = game_status(snap(rings=at_step([("NA-WEST", 10)]), records=(record(),)), NOW)
    checks = json.loads(json.dumps(status))["rollout"]["lastChecks"]
    assert [c["evidence"] for c in checks] == [RATE, MEAN, ABSOLUTE, None]
    assert checks[0]["verdict"] == "hold" and checks[3]["verdict"] == "n/a"

    out = io.StringIO()
    print_game(Console(file=out, width=300, highlight=False, soft_wrap=True), status)
    text = out.getvalue()
    assert (
        "    churn: hold — churn +3.1% [-8.0%, +15.0%] (critical +5%, warning +2%);"
        f" candidate 212 / 51k, baseline 1,890 / 460k; {CHURN_NEED}\n"
    ) in text
    assert "    complaints: pass — complaints 0.0031 [0.0027, 0.0036] (critical 0.01); candidate 44 / 51k;" in text
    # an old-form check reads as before: its verdict and message
    assert "    latency: n/a — no baseline cohort at this step; relative threshold not applicable\n" in text


def test_the_api_metrics_carry_each_check_with_its_evidence() -> None:
    metrics = deployment_metrics(record())
    assert (metrics["region"], metrics["step"], metrics["outcome"]) == ("NA-WEST", 10, "hold")
    assert [(c["name"], c["verdict"], c["evidence"]) for c in metrics["checks"]] == [
        ("churn", "hold", RATE),
        ("session-duration", "pass", MEAN),
        ("complaints", "pass", ABSOLUTE),
        ("latency", "n/a", None),
    ]


def test_the_page_has_an_escaped_evidence_table() -> None:
    hostile = judged('<img src=x onerror="alert(1)">', "hold", RATE | {"need": {"text": "<b>needs</b> & more"}})
    page = render([snap(rings=at_step([("NA-WEST", 10)]), records=(record((hostile, *JUDGED)),))], NOW)
    table = page[page.index('<table class="evidence">') :]
    table = table[: table.index("</table>")]
    assert "<th>check</th><th>verdict</th><th>estimate</th><th>bounds</th><th>counts</th><th>needs</th>" in table
    assert "<img" not in page and "<b>needs" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in table and "&lt;b&gt;needs&lt;/b&gt; &amp; more" in table
    assert (
        '<tr class="hold"><td>churn</td><td>hold</td><td>+3.1%</td>'
        "<td>[-8.0%, +15.0%] (critical +5%, warning +2%)</td>"
        f"<td>candidate 212 / 51k, baseline 1,890 / 460k</td><td>{CHURN_NEED}</td></tr>"
    ) in table
    assert '<tr class="na"><td>latency</td><td>n/a</td>' in table


def test_old_form_checks_get_no_evidence_table() -> None:
    old = (CheckResult("churn", "pass", 0.0101, 0.01, "candidate 0.0101 vs baseline 0.01 (+1.0%)"),)
    page = render([snap(rings=at_step([("NA-WEST", 10)]), records=(record(old),))], NOW)
    assert 'class="evidence"' not in page and "churn: pass — candidate 0.0101" in page


def view(rec: RolloutRecord) -> RolloutView:
    return RolloutView(snap(rings=at_step([("NA-WEST", 10)])), NEW, rec, POLICY, None, NotifyState("g", NEW), 7)


def test_the_pr_comment_has_the_evidence_table() -> None:
    lines = rollout_comment(view(record())).splitlines()
    start = lines.index("Last checks (NA-WEST at 10%, hold):")
    assert lines[start + 2 : start + 8] == [
        "| check | verdict | estimate | bounds | counts | needs |",
        "|---|---|---|---|---|---|",
        "| churn | hold | +3.1% | [-8.0%, +15.0%] (critical +5%, warning +2%)"
        f" | candidate 212 / 51k, baseline 1,890 / 460k | {CHURN_NEED} |",
        "| session-duration | pass | -4.2% | [-12.0%, +3.1%] (warning -10%)"
        " | candidate 1,520 (mean 1,834), baseline 14k (mean 1,915) | needs ~900 sessions, has 1520 |",
        "| complaints | pass | 0.0031 | [0.0027, 0.0036] (critical 0.01)"
        " | candidate 44 / 51k | needs ~60 complaints, has 44, ~0.4 intervals to go |",
        "| latency | n/a | n/a | n/a | n/a | no baseline cohort at this step; relative threshold not applicable |",
    ]
    rollback = Event(NOW, "rollback", reason="critical at NA-WEST/10%: churn")
    body = revert_body(view(record(JUDGED, rollback)))
    assert "| check | verdict | estimate | bounds | counts | needs |" not in body  # the rollback event has no checks
    body = revert_body(view(record(JUDGED, Event(NOW, "rollback", reason="critical", checks=JUDGED))))
    assert "| churn | hold | +3.1% | [-8.0%, +15.0%]" in body


def test_deployment_status_descriptions_fit_140_characters_worst_first() -> None:
    many = (*(judged(f"check-{n}", "pass", RATE) for n in range(6)), judged("crashes", "critical", RATE))
    rec = record(
        many,
        Event(NOW, "deploy", "NA-WEST", 50),
        Event(NOW, "pause", "NA-WEST", 50, reason="still holds after 12h: " + "churn needs more; " * 20),
    )
    statuses = deployment_statuses(rec, POLICY)["NA-WEST"]
    assert all(len(description) <= 140 for _, description in statuses)
    after = statuses[1][1]
    assert after.startswith("NA-WEST at 50% after crashes critical +3.1% [-8.0%, +15.0%]; check-0 pass +3.1%")
    assert after.endswith(" more") and len(after) > 120
    assert statuses[2][1].startswith("paused at 50%: still holds after 12h: churn needs more;")
    assert statuses[2][1].endswith("…")
