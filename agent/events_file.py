"""The sidecar's `active-events` file: the live events active now in the server's region, their
windows and the next boundary, as JSON. Rewritten atomically (a new file renamed over the old) at
each boundary, by the server's clock, and whenever the config changes; at a boundary the server is
told the way it is told of a swap (`--exec` command or SIGHUP to `--signal-pid`).

    {"game": "battle-royale", "region": "NA-WEST", "server": "na-west-001", "revision": "3f2a9c1d7e44",
     "active": [{"name": "winter-festival", "displayName": "Winter Festival",
                 "start": "2026-12-18T17:00:00Z", "end": "2027-01-04T17:00:00Z"}],
     "nextBoundary": "2027-01-04T17:00:00Z"}
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.agent import Agent
from agent.events import Clock, utc_now
from agent.snapshot import ConfigSnapshot

log = logging.getLogger("hotswap.agent")

IDLE_WAIT = 3600.0  # no boundary ahead: look again after this long (or at the next config change)
# The longest single wait: a boundary further ahead (an event ending 9999-12-31) is looked at again
# then; threading refuses a timeout beyond TIMEOUT_MAX, and a day bounds any drift of the clock.
MAX_WAIT = min(threading.TIMEOUT_MAX, 86400.0)
RETRY_WAIT, MAX_RETRY_WAIT = 1.0, 60.0  # after a failed rewrite: retried, backing off to a minute
ERROR_KIND = "events-file"  # hotswap_agent_errors_total{kind="events-file"}: a rewrite or a signal failed


class ActiveEventsFile:
    def __init__(
        self, agent: Agent, path: Path, on_boundary: Callable[[], None] | None = None, clock: Clock = utc_now
    ) -> None:
        self.agent = agent
        self.path = path
        self.on_boundary = on_boundary
        self.clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._written: bytes | None = None

    def content(self) -> dict[str, Any] | None:
        snap = self.agent.snapshot
        if snap is None:
            return None
        agent = self.agent
        head = {"game": agent.game, "region": agent.region, "server": agent.server_id, "revision": snap.revision}
        return head | snap.events(agent.region, self.clock()).as_json()

    def write(self) -> bool:
        """Rewrite the file if what it says changed; True when it was rewritten."""
        with self._lock:
            content = self.content()
            if content is None:
                return False
            data = (json.dumps(content, indent=2) + "\n").encode()
            if data == self._written:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staging = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
            try:
                with staging.open("wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(staging, self.path)  # a reader sees the old file or the new one, never half
            except OSError:
                with contextlib.suppress(OSError):
                    staging.unlink()
                raise
            self._written = data
            return True

    def config_changed(self, _old: ConfigSnapshot | None, _new: ConfigSnapshot) -> None:
        """An agent listener: the swap itself notifies the server; this keeps the file current and
        re-arms the wait for the new config's boundaries (a failed rewrite is the events thread's
        to retry)."""
        try:
            self.write()
        except OSError as exc:
            self._failed("rewrite", exc)
        finally:
            self._wake.set()

    def _next_wait(self) -> float:
        snap = self.agent.snapshot
        now = self.clock()
        boundary = snap.events(self.agent.region, now).next_boundary if snap is not None else None
        if boundary is None:
            return min(IDLE_WAIT, MAX_WAIT)
        return min(max(0.0, (boundary - now).total_seconds()) + 0.001, MAX_WAIT)

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: sleep to the next boundary (a day at most), rewrite, tell the server. A
        failure (a full disk, a server gone) is logged and counted, and retried soon: the thread
        never ends but by `stop`."""
        untold = False  # a boundary's rewrite the server has not been told of yet
        retry: float | None = None  # set after a failure: the wait before the next attempt
        woken = True  # the first pass writes the file; the agent's first swap tells the server
        while not stop.is_set():
            try:
                untold = (self.write() or untold) and not woken
                if untold and self.on_boundary is not None:
                    self.on_boundary()
                untold, retry = False, None
                wait = self._next_wait()
            except Exception as exc:  # whatever failed (a full disk, a server gone), the thread goes on
                self._failed("update", exc)
                retry = RETRY_WAIT if retry is None else min(MAX_RETRY_WAIT, retry * 2)
                wait = retry
            woken = self._wake.wait(wait)
            self._wake.clear()

    def _failed(self, what: str, exc: BaseException) -> None:
        agent = self.agent
        labels = {"game": agent.game, "region": agent.region, "server": agent.server_id}
        agent.metrics.errors.labels(**labels, kind=ERROR_KIND).inc()
        log.warning("%s: %s of %s failed: %s: %s", agent.server_id, what, self.path, type(exc).__name__, exc)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="active-events", daemon=True)
        thread.start()
        return thread

    def wake(self) -> None:
        self._wake.set()
