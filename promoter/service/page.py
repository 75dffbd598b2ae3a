"""The status page at `/`: per game, regions x rings, the step in flight with its countdown, the
last check values and the decision log. Server-rendered HTML (every value escaped), refreshed every 5 s."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from promoter.model import GameSnapshot
from promoter.status import game_status

STYLE = """
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin:24px 0 4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 10px;font-family:monospace}
th{background:#f4f4f4}.release{background:#e6f4ea}.reverted{background:#fde7e9}.old{color:#777}
.pass{color:#1e7d32}.warning{color:#b26a00}.critical{color:#c62828}.inconclusive,.error{color:#666}
progress{width:240px}.log{font-family:monospace;font-size:12px;color:#444}
"""


def _cell(ring: dict[str, Any] | None, current: str | None) -> str:
    if ring is None:
        return "<td>—</td>"
    release = ring["release"] or "∅"
    if ring["rolledBack"]:
        return f'<td class="reverted" title="reverted {escape(ring["rolledBack"])}">{escape(release)} ↩</td>'
    cls = "release" if current and release == current[:12] else "old"
    return f'<td class="{cls}">{escape(release)}</td>'


def _game(snap: GameSnapshot, now: datetime) -> str:
    status = game_status(snap, now)
    rollout = status["rollout"]
    current = rollout["release"] if rollout else status["candidate"]
    parts = [f'<section class="game" id="game-{escape(snap.game)}"><h2>{escape(snap.game)}</h2>']
    parts.append(f'<p class="summary">{escape(status["summary"])}</p>')
    if rollout:
        wait = rollout["nextEvaluationSeconds"]
        countdown = (
            f' — next evaluation in <span class="countdown" data-seconds="{int(wait)}">{int(wait)}</span> s'
            if wait is not None
            else ""
        )
        parts.append(
            f'<p class="inflight">rollout <b>{escape(rollout["id"])}</b> at '
            f'<b class="step">{escape(str(rollout["region"]))}/{escape(str(rollout["step"]))}%</b> '
            f'<progress value="{rollout["stepsDone"]}" max="{rollout["stepsTotal"]}"></progress> '
            f"{rollout['stepsDone']}/{rollout['stepsTotal']} steps{countdown}</p>"
        )
        if rollout["lastChecks"]:
            items = "".join(
                f'<li class="{escape(c["verdict"])}">{escape(c["name"])}: {escape(c["verdict"])} — {escape(c["message"])}</li>'
                for c in rollout["lastChecks"]
            )
            parts.append(f'<ul class="checks">{items}</ul>')
    percents = sorted({int(p) for region in status["regions"] for p in region["rings"]})
    header = "".join(f"<th>ring-{p}</th>" for p in percents)
    rows = "".join(
        f"<tr><th>{escape(region['name'])}</th>"
        + "".join(_cell(region["rings"].get(str(p)), current) for p in percents)
        + "</tr>"
        for region in status["regions"]
    )
    parts.append(f'<table class="rings"><tr><th>region</th>{header}</tr>{rows}</table>')
    records = sorted(snap.records.values(), key=lambda r: r.events[-1].at if r.events else now, reverse=True)
    if records:
        log = "".join(
            f"<li>{escape(e.at.strftime('%Y-%m-%d %H:%M:%S'))} {escape(e.type)}"
            f"{escape(' ' + e.region + '/' + str(e.step) + '%') if e.region and e.step else ''}"
            f"{escape(' (' + e.outcome + ')') if e.outcome else ''}"
            f"{escape(' by ' + e.by) if e.by else ''}</li>"
            for e in reversed(records[0].events[-10:])
        )
        parts.append(f'<p>decisions of {escape(records[0].id)}</p><ul class="log">{log}</ul>')
    if status["quarantined"]:
        parts.append(f'<p class="critical">quarantined: {escape(", ".join(q[:12] for q in status["quarantined"]))}</p>')
    parts.append("</section>")
    return "".join(parts)


def render(snapshots: list[GameSnapshot], now: datetime) -> str:
    games = "".join(_game(s, now) for s in snapshots) or "<p>No games yet.</p>"
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">'
        f"<title>HotSwap</title><style>{STYLE}</style></head><body>"
        f"<h1>HotSwap — {escape(now.strftime('%Y-%m-%d %H:%M:%S UTC'))}</h1>{games}"
        "<script>setInterval(()=>{for(const el of document.querySelectorAll('.countdown')){"
        "const s=Math.max(0,parseInt(el.dataset.seconds)-1);el.dataset.seconds=s;el.textContent=s;}},1000)</script>"
        "</body></html>"
    )
