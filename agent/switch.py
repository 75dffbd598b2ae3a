"""Blue-green switches on the server: when a deploy commit's `Hotswap-Switch-At` is honoured (pure),
the one thread per process that flips servers at their instants, and the switch metrics.

Instants are UTC wall-clock times (`time.time()`): servers' clocks are assumed synchronised (NTP);
a server whose clock is off by d flips d early or late.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from contract.instants import InstantError, read_instant
from contract.switch import MAX_SWITCH_LEAD
from contract.trailers import SWITCH_AT

log = logging.getLogger("hotswap.agent")

# An instant further ahead than this is taken for a mistake (a wrong clock, a typo in the year): the
# commit is swapped in as any other and the instant ignored, so a server never waits on it for days.
MAX_AHEAD_SECONDS = MAX_SWITCH_LEAD.total_seconds()


@dataclass(frozen=True)
class Timing:
    """When a commit is swapped in: at `at` (seconds since the epoch), or as any other when None."""

    at: float | None
    note: str | None = None  # why a Switch-At trailer was not honoured, for the log


def timing(trailers: Mapping[str, str], now: float, max_ahead: float = MAX_AHEAD_SECONDS) -> Timing:
    text = trailers.get(SWITCH_AT)
    if text is None:
        return Timing(None)
    try:
        at = read_instant(text).timestamp()
    except InstantError as exc:
        return Timing(None, f"{SWITCH_AT} ignored, swapping now: {exc}")
    if at - now > max_ahead:
        return Timing(
            None, f"{SWITCH_AT} {text} is {at - now:.0f} s ahead, more than {max_ahead:.0f} s: ignored, swapping now"
        )
    return Timing(at)


class FlipScheduler:
    """Runs actions at wall-clock instants on one daemon thread (started on first use): a fleet of
    agents in one process flips from it, none of them blocks a poll while it waits."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def call_at(self, at: float, action: Callable[[], None]) -> None:
        with self._ready:
            heapq.heappush(self._heap, (at, next(self._order), action))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hotswap-flips", daemon=True)
                self._thread.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._heap:
                    self._ready.wait()
                    continue
                delay = self._heap[0][0] - self.clock()
                if delay > 0:
                    self._ready.wait(delay)
                    continue
                _, _, action = heapq.heappop(self._heap)
            try:
                action()
            except Exception:  # one server's bug must not stop the others' flips
                log.exception("a scheduled flip failed")


SCHEDULER = FlipScheduler()
