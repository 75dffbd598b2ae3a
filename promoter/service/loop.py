"""The one pass loop of both daemons: `hotswap reconcile` (without --once) and `hotswap serve`'s
background thread. Pass after pass until stopped: each step of a pass runs even if an earlier one
raised (what a step raises goes to `on_error`, never out of the loop), then the loop waits
`interval` seconds or until woken (a webhook, an approval), whichever comes first.

Its state is what `/healthz` shows: a loop that ended is a failed liveness check."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Step = Callable[[], object]


@dataclass
class PassLoop:
    wake: threading.Event = field(default_factory=threading.Event)  # set: the next pass starts now
    state: str = "not started"  # running | stopped
    beat: float | None = None  # when the loop last finished an iteration, pass or not (epoch seconds)

    def run(
        self, steps: Sequence[Step], on_error: Callable[[Exception], None], stop: threading.Event, interval: float
    ) -> None:
        """Until `stop` is set (checked between passes; set `wake` too to end the wait at once).
        `interval`: seconds from the end of one pass to the start of the next, unless woken."""
        self.state = "running"
        try:
            while not stop.is_set():
                for step in steps:
                    try:
                        step()
                    except BrokenPipeError:  # whoever reads the output went away: end quietly, as a command does
                        raise
                    except Exception as exc:  # one pass's failure (the remote down, a bug) never ends the loop
                        on_error(exc)
                self.beat = time.time()
                self.wake.wait(interval)
                self.wake.clear()
        finally:
            self.state = "stopped"
