"""What `hotswap serve` says as it works: one line at start, one per decision that changed
something, rollback, approval and error. Text for people (`--log-format text`), JSON lines for log
pipelines (`--log-format json`). Never a token: messages are redacted on the way out."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, TextIO

from promoter.gitio import redact
from promoter.reconcile import Outcome

LogFormat = Literal["text", "json"]
Field = str | int | float | bool | None


class EventLog:
    def __init__(self, fmt: LogFormat = "text", stream: TextIO | None = None) -> None:
        self.fmt = fmt
        self.stream = stream
        self._lock = threading.Lock()
        self._said: dict[str, str] = {}  # the last summary logged per game: a pass that repeats it says nothing

    def emit(self, event: str, **fields: Field) -> None:
        at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        clean = {k: redact(v) if isinstance(v, str) else v for k, v in fields.items() if v is not None}
        if self.fmt == "json":
            line = json.dumps({"at": at, "event": event, **clean}, ensure_ascii=False)
        else:
            line = f"{at} {event} " + " ".join(f"{k}={_text(v)}" for k, v in clean.items())
        stream = self.stream or sys.stderr
        with self._lock:
            stream.write(line.rstrip() + "\n")
            stream.flush()

    def outcomes(self, outcomes: Iterable[Outcome]) -> None:
        """One line per decision that wrote or failed, or whose summary changed since the last pass."""
        for o in outcomes:
            if not (o.wrote or o.error) and self._said.get(o.game) == o.summary:
                continue
            self._said[o.game] = o.summary
            event = "rollback" if "RevertRings" in o.actions else ("error" if o.error else "decision")
            self.emit(event, game=o.game, kind=o.kind if o.error else None, summary=o.summary, wrote=o.wrote)


def _text(value: Field) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(c.isspace() or c in '"=' for c in text) or not text else text
