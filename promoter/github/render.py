"""Markdown HotSwap writes to GitHub: the rollout comment, the revert and approval pull requests.
Pure, and free of timestamps that change on every pass, so an unchanged rollout renders the same
text and its comment is not edited again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple
from typing import TYPE_CHECKING

from contract.instants import format_instant
from pipeline.strategy_rules import windows_crossed
from promoter import evidence_view
from promoter.model import CheckResult, Wait
from promoter.strategies import step_label

if TYPE_CHECKING:
    from promoter.github.notify import RolloutView

_STATE_WORDS = {"complete": "reached 100% of every region", "rollback": "was rolled back", "reject": "was rejected"}


def text(value: str) -> str:
    """Free text (a reason someone typed, a finding) made inert in markdown: no @mentions that
    notify people, no HTML, no table breaks."""
    return " ".join(value.split()).replace("@", "@\u200b").replace("<", "&lt;").replace("|", "\\|")


# Worst first: when a deployment status has room for only some checks, the deciding ones show.
_SEVERITY = ("critical", "warning", "error", "inconclusive", "hold", "pass", "n/a")
STATUS_LIMIT = 140  # GitHub refuses longer deployment status descriptions


def fit(prefix: str, checks: Iterable[CheckResult] = (), limit: int = STATUS_LIMIT) -> str:
    """`prefix` and the checks in `limit` characters; when they do not all fit, the worst first and
    "+N more" for the rest."""
    prefix = " ".join(prefix.split()) + (" " if prefix.endswith(" ") else "")
    if len(prefix.rstrip()) > limit:
        return prefix[: limit - 1] + "…"
    checks = tuple(checks)
    whole = prefix + "; ".join(" ".join(evidence_view.brief(c.as_json()).split()) for c in checks)
    if len(whole.rstrip()) <= limit:  # everything fits: in the policy's order
        return whole.rstrip()
    ordered = sorted(checks, key=lambda c: _SEVERITY.index(c.verdict) if c.verdict in _SEVERITY else 0)
    phrases = [" ".join(evidence_view.brief(c.as_json()).split()) for c in ordered]
    for shown in range(len(phrases), -1, -1):
        rest = len(phrases) - shown
        more = ("; " if shown else "") + f"+{rest} more" if rest else ""
        line = (prefix + "; ".join(phrases[:shown]) + more).rstrip()
        if len(line) <= limit:
            return line
    return prefix.rstrip()


def _cell(view: RolloutView, region: str, ring: int) -> str:
    tip = view.snap.rings.get((region, ring))
    if tip is None:
        return "·"
    if tip.rollback_of == view.release:
        return "↩ reverted"
    if tip.release == view.release and not tip.rollback_of:
        return "● on it"
    return "·"


def rollout_comment(view: RolloutView) -> str:
    game, release, record, policy = view.snap.game, view.release, view.record, view.policy
    lines = [f"### HotSwap rollout of `{game}` {release[:12]}", ""]
    ended = record.ended if record is not None else None
    if ended is not None:
        lines.append(f"**This release {_STATE_WORDS.get(ended.type, ended.type)}.** {text(ended.reason)}")
    elif view.wait is not None and view.wait.release == release:
        how = f"`hotswap approve --game {game} --region {view.wait.region}`"
        approval = view.state.approvals.get(view.wait.key)
        if approval is not None:
            how += f" or merge #{approval}"
        lines.append(f"**Waiting for approval** of {view.wait.region}: {text(view.wait.reason)}. Approve with {how}.")
    else:
        lines.append("**Rolling out.**")
    if record is not None:
        evaluations = [e for e in record.events if e.type == "evaluate"]
        if evaluations:
            last = evaluations[-1]
            lines += ["", f"Last checks ({last.region} at {step_label(policy, last.step)}, {last.outcome}):", ""]
            lines += _checks_table(last.checks)
        revert = next((e for e in reversed(record.events) if e.type == "main-revert"), None)
        if revert is not None:
            if revert.outcome == "proposed":
                pull = f"#{view.state.revert_pull}" if view.state.revert_pull else f"branch `{revert.reason}`"
                lines += ["", f"The change is reverted on main by {pull}."]
            elif revert.outcome == "done":
                lines += ["", f"The change was reverted on main by {revert.reason[:12]}."]
            else:
                lines += ["", f"Reverting main: {revert.outcome}: {text(revert.reason)}"]
    lines += _strategy_lines(view)
    if policy is not None:
        lines += ["", "| region | " + " | ".join(f"ring-{p}" for p in policy.rings) + " |"]
        lines.append("|---|" + "---|" * len(policy.rings))
        for region in policy.regions:
            cells = " | ".join(_cell(view, region.name, p) for p in policy.rings)
            gate = " (approval required)" if region.approval else ""
            lines.append(f"| {region.name}{gate} | {cells} |")
    lines += ["", "_Kept up to date by HotSwap; the record is the `hotswap/ledger` branch._"]
    return "\n".join(lines) + "\n"


def _strategy_lines(view: RolloutView) -> list[str]:
    """The strategy and why (as the rollout's first deploy recorded it), and the freeze windows its
    minimum duration crosses from when it started: no `now`, so the text stays the same every pass."""
    policy, record = view.policy, view.record
    if policy is None:
        return []
    deploy = next((e for e in record.events if e.type == "deploy"), None) if record is not None else None
    why = deploy.reason.removeprefix("strategy ") if deploy and deploy.reason.startswith("strategy ") else ""
    lines = ["", f"**Strategy:** {text(why or policy.strategy)}"]
    if record is not None and record.events:
        crossed = windows_crossed(policy.freeze, record.events[0].at, policy.minimum_duration)
        if crossed:
            lines += ["", "**Freeze windows** in its way (no step advances in them; rollbacks still run):", ""]
            lines += [f"- {format_instant(w.start)} → {format_instant(w.end)}: {text(w.reason)}" for w in crossed]
    return lines


def revert_body(view: RolloutView) -> str:
    game, release, record = view.snap.game, view.release, view.record
    rollback = next((e for e in reversed(record.events) if e.type == "rollback"), None) if record else None
    lines = [
        f"HotSwap rolled back `{game}` release {release} and quarantined it. Merging this pull request",
        "reverts the change on main, so the next change to the game rolls out without it.",
        "",
        f"**Why:** {text(rollback.reason) if rollback else 'see the ledger'}",
    ]
    if rollback is not None and rollback.checks:
        lines += ["", *_checks_table(rollback.checks, messages=True)]
    reverted = sorted(
        f"{region} ring-{ring}" for (region, ring), tip in view.snap.rings.items() if tip.rollback_of == release
    )
    lines += ["", "**Rings reverted:** " + (", ".join(reverted) or "none")]
    origin = view.origin
    if origin is not None:
        lines += ["", f"The release came from #{origin}."]
    return "\n".join(lines) + "\n"


def approval_body(game: str, wait: Wait) -> str:
    what = wait.what if wait.step is not None else f"the first step in {wait.region}"
    return (
        f"The rollout of `{game}` release {wait.release} waits for an approval of {what}: {text(wait.reason)}.\n\n"
        "- **Merge** this pull request to approve: the promoter reads the approval file from main and goes on.\n"
        "- **Close** it without merging to reject: the release is rolled back where it runs.\n"
    )


def _checks_table(checks: tuple[CheckResult, ...], messages: bool = False) -> list[str]:
    """The evidence table (check, verdict, estimate, bounds, counts, needs) once any check carries
    evidence; checks of the old instant form keep their candidate/baseline table."""
    data = [c.as_json() for c in checks]
    if not any(evidence_view.evidence_of(d) for d in data):
        extra = " |" if messages else ""
        lines = [
            f"| check | verdict | candidate | baseline |{extra}",
            "|---|---|---|---|" + ("---|" if messages else ""),
        ]
        return lines + [
            f"| {c.name} | {c.verdict} | {_num(c.candidate)} | {_num(c.baseline)} |"
            + (f" {text(c.message)} |" if messages else "")
            for c in checks
        ]
    rows = [evidence_view.row(d) for d in data]
    lines = ["| " + " | ".join(evidence_view.HEADERS) + " |", "|---" * len(evidence_view.HEADERS) + "|"]
    return lines + ["| " + " | ".join(text(cell) or "—" for cell in astuple(r)) + " |" for r in rows]


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"
