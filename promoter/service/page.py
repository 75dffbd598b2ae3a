"""The status page at `/`: per game, regions x rings with what the refs say and what servers report,
the release (subject, author, a diff link), the step in flight with its countdown, the last check
values, rollbacks with their reasons and evidence, and the decision log. Server-rendered HTML (every
value escaped), refreshed every 5 s. Also the login form that turns a token into a session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from pipeline.strategy_names import label as strategy_label
from promoter.evidence_view import HEADERS, evidence_of, row
from promoter.model import GameSnapshot
from promoter.observed import FleetView
from promoter.status import ReleaseMeta, game_status

STYLE = """
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin:24px 0 4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 10px;font-family:monospace}
th{background:#f4f4f4}.release{background:#e6f4ea}.reverted{background:#fde7e9}.old{color:#777}
.pass{color:#1e7d32}.warning{color:#b26a00}.critical{color:#c62828}.inconclusive,.error,.hold,.na{color:#666}
.ok{color:#1e7d32}.drift,.unknown,.stale{color:#b26a00}.quarantined{color:#c62828}
progress{width:240px}.log{font-family:monospace;font-size:12px;color:#444}
"""


def _observed(ring: dict[str, Any]) -> str:
    observed = ring.get("observed")
    if not observed or not observed["servers"]:
        return ""
    revisions = ", ".join(f"{escape(rev)}: {n}" for rev, n in observed["revisions"].items())
    bad = observed["servers"] - observed["states"]["ok"]
    cls = "ok" if bad == 0 else "drift"
    stale = observed["states"]["stale"]
    text = f"{observed['states']['ok']}/{observed['servers']} ok" + (f": {revisions}" if revisions else "")
    return f'<br><span class="observed {cls}">{text}{f", {stale} not reporting" if stale else ""}</span>'


def _cell(ring: dict[str, Any] | None, current: str | None) -> str:
    if ring is None:
        return "<td>—</td>"
    release = ring["release"] or "∅"
    if ring["rolledBack"]:
        return f'<td class="reverted" title="reverted {escape(ring["rolledBack"])}">{escape(release)} ↩{_observed(ring)}</td>'
    cls = "release" if current and release == current[:12] else "old"
    return f'<td class="{cls}">{escape(release)}{_observed(ring)}</td>'


def _release(game: str, release: dict[str, Any], compare: str | None) -> str:
    sha = release["sha"]
    if not sha:
        return ""
    who = f' by <span class="author">{escape(release["author"])}</span>' if release["author"] else ""
    subject = f' <q class="subject">{escape(release["subject"])}</q>' if release["subject"] else ""
    diff = ""
    if release["diffBase"]:
        query = urlencode({"base": release["diffBase"], "head": sha})
        diff = f' — <a class="diff" href="/api/v1/games/{quote(game, safe="")}/diff?{escape(query)}">diff</a>'
        if compare:
            href = f"{compare}{release['diffBase']}...{sha}"
            diff += f' (<a class="compare" href="{escape(href)}">on GitHub</a>)'
    return f'<p class="release-info">release <b>{escape(sha[:12])}</b>{subject}{who}{diff}</p>'


def _fleet(observed: dict[str, Any]) -> str:
    if not observed["known"]:
        return f'<p class="fleet unknown">observed: unknown — {escape(str(observed["why"]))}</p>'
    lists = [
        ("quarantined", "on a quarantined revision", observed["quarantined"]),
        ("drift", "on another revision", observed["drifting"]),
        ("unknown", "on an unknown revision", observed["unknown"]),
        ("stale", f"not reporting for over {observed['staleAfterSeconds']:g} s", observed["notReporting"]),
    ]
    items = "".join(
        f'<li class="{cls}">{len(names)} {escape(label)}: {escape(", ".join(names))}</li>'
        for cls, label, names in lists
        if names
    )
    head = f'<p class="fleet">observed: {observed["states"]["ok"]}/{observed["servers"]} servers on their ring\'s release</p>'
    return head + (f'<ul class="not-ok">{items}</ul>' if items else "")


def _evidence_table(checks: list[dict[str, Any]]) -> str:
    """Per check: verdict, estimate, bounds, counts and what the verdict needs; "" when no check
    carries evidence (the old instant form shows its message in the list above)."""
    if not any(evidence_of(c) for c in checks):
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    rows = "".join(
        f'<tr class="{escape(r.verdict.replace("/", ""))}">'
        + "".join(f"<td>{escape(cell)}</td>" for cell in astuple(r))
        + "</tr>"
        for r in (row(c) for c in checks)
    )
    return f'<table class="evidence"><tr>{head}</tr>{rows}</table>'


def _rollbacks(rollbacks: list[dict[str, Any]]) -> str:
    if not rollbacks:
        return ""
    items = []
    for r in rollbacks[:5]:
        evidence = "".join(
            f'<li class="{escape(c["verdict"])}">{escape(c["name"])}: {escape(c["verdict"])} — {escape(c["message"])}</li>'
            for c in r["checks"]
        )
        items.append(
            f'<li class="rollback"><b>{escape(r["release"][:12])}</b> rolled back at {escape(r["at"][:19])}: '
            f'<span class="reason">{escape(r["reason"])}</span>'
            + (f'<ul class="evidence">{evidence}</ul>' if evidence else "")
            + _evidence_table(r["checks"])
            + "</li>"
        )
    return f'<p class="critical">rollbacks (quarantined)</p><ul class="rollbacks">{"".join(items)}</ul>'


def _game(
    snap: GameSnapshot, now: datetime, fleet: FleetView | None, meta: ReleaseMeta | None, compare: str | None
) -> str:
    status = game_status(snap, now, fleet, meta)
    rollout = status["rollout"]
    current = rollout["release"] if rollout else status["candidate"]
    parts = [f'<section class="game" id="game-{escape(snap.game)}"><h2>{escape(snap.game)}</h2>']
    parts.append(f'<p class="summary">{escape(status["summary"])}</p>')
    parts.append(_release(snap.game, status["release"], compare))
    parts.append(_fleet(status["observed"]))
    if rollout:
        wait = rollout["nextEvaluationSeconds"]
        countdown = (
            f' — next evaluation in <span class="countdown" data-seconds="{int(wait)}">{int(wait)}</span> s'
            if wait is not None
            else ""
        )
        stage = rollout["stage"] or f"{rollout['step']}%"
        shown = strategy_label(rollout["strategy"])
        strategy = f" {shown}" if shown else ""
        parts.append(
            f'<p class="inflight">rollout <b>{escape(rollout["id"])}</b>{escape(strategy)} at '
            f'<b class="step">{escape(str(rollout["region"]))}/{escape(stage)}</b> '
            f'<span class="state">{escape(rollout["state"])}</span> '
            f'<progress value="{rollout["stepsDone"]}" max="{rollout["stepsTotal"]}"></progress> '
            f"{rollout['stepsDone']}/{rollout['stepsTotal']} steps{countdown}</p>"
        )
        if rollout["lastChecks"]:
            items = "".join(
                f'<li class="{escape(c["verdict"])}">{escape(c["name"])}: {escape(c["verdict"])} — {escape(c["message"])}</li>'
                for c in rollout["lastChecks"]
            )
            parts.append(f'<ul class="checks">{items}</ul>')
            parts.append(_evidence_table(rollout["lastChecks"]))
    percents = sorted({int(p) for region in status["regions"] for p in region["rings"]})
    header = "".join(f"<th>ring-{p}</th>" for p in percents)
    rows = "".join(
        f"<tr><th>{escape(region['name'])}</th>"
        + "".join(_cell(region["rings"].get(str(p)), current) for p in percents)
        + "</tr>"
        for region in status["regions"]
    )
    parts.append(f'<table class="rings"><tr><th>region</th>{header}</tr>{rows}</table>')
    parts.append(_rollbacks(status["rollbacks"]))
    records = sorted(snap.records.values(), key=lambda r: r.events[-1].at if r.events else now, reverse=True)
    if records:
        log = "".join(
            f"<li>{escape(e.at.strftime('%Y-%m-%d %H:%M:%S'))} {escape(e.type)}"
            f"{escape(' ' + e.region + '/' + str(e.step) + '%') if e.region and e.step else ''}"
            f"{escape(' (' + e.outcome + ')') if e.outcome else ''}"
            f"{escape(' by ' + e.by) if e.by else ''}"
            f"{escape(': ' + e.reason) if e.type in ('rollback', 'reject', 'pause', 'lift-freeze') and e.reason else ''}</li>"
            for e in reversed(records[0].events[-10:])
        )
        parts.append(f'<p>decisions of {escape(records[0].id)}</p><ul class="log">{log}</ul>')
    if status["quarantined"]:
        parts.append(f'<p class="critical">quarantined: {escape(", ".join(q[:12] for q in status["quarantined"]))}</p>')
    parts.append("</section>")
    return "".join(parts)


def render(
    snapshots: list[GameSnapshot],
    now: datetime,
    fleets: Mapping[str, FleetView] | None = None,
    metas: Mapping[str, ReleaseMeta | None] | None = None,
    compare: str | None = None,
    events: str = "",
) -> str:
    """`compare`: a GitHub compare URL prefix (`https://github.com/owner/name/compare/`), when set up;
    `events`: the live-events section (HTML, values escaped by its maker)."""
    fleets, metas = fleets or {}, metas or {}
    games = (
        "".join(_game(s, now, fleets.get(s.game), metas.get(s.game), compare) for s in snapshots)
        or "<p>No games yet.</p>"
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">'
        f"<title>HotSwap</title><style>{STYLE}</style></head><body>"
        f"<h1>HotSwap — {escape(now.strftime('%Y-%m-%d %H:%M:%S UTC'))}</h1>{games}{events}"
        "<script>setInterval(()=>{for(const el of document.querySelectorAll('.countdown')){"
        "const s=Math.max(0,parseInt(el.dataset.seconds)-1);el.dataset.seconds=s;el.textContent=s;}},1000)</script>"
        "</body></html>"
    )


def login_page(message: str | None = None) -> str:
    """A form that posts a token to /login; the answer sets a short-lived session cookie."""
    note = f'<p class="critical" id="login-error">{escape(message)}</p>' if message else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>HotSwap — sign in</title>'
        f"<style>{STYLE}</style></head><body><h1>HotSwap — sign in</h1>{note}"
        '<form method="post" action="/login"><label>Token (a JWT with the viewer role or more) '
        '<input type="password" name="token" id="token" autocomplete="off" required></label> '
        '<button type="submit" id="sign-in">Sign in</button></form></body></html>'
    )
