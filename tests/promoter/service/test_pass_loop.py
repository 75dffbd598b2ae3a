"""The one pass loop of `hotswap reconcile` and `hotswap serve`, with plain steps on a real thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from promoter.service.loop import PassLoop, Step


def started(
    loop: PassLoop, steps: list[Step], errors: list[Exception], interval: float
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(steps, errors.append, stop, interval), daemon=True)
    thread.start()
    return thread, stop


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the loop did not get there"
        time.sleep(0.01)


def test_a_step_that_raises_is_handed_over_and_the_other_steps_and_passes_go_on() -> None:
    ran: list[str] = []
    errors: list[Exception] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("a bug in one step")

    loop = PassLoop()
    assert (loop.state, loop.beat) == ("not started", None)
    thread, stop = started(loop, [broken, lambda: ran.append("after")], errors, interval=0.01)
    wait_until(lambda: ran.count("after") >= 3)
    assert loop.state == "running" and loop.beat is not None
    assert ran[:4] == ["broken", "after", "broken", "after"]  # in order, every step every pass
    assert all(isinstance(e, RuntimeError) for e in errors) and len(errors) >= 3
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and loop.state == "stopped"


def test_wake_starts_the_next_pass_at_once_and_stop_ends_the_loop_between_passes() -> None:
    passes: list[float] = []
    loop = PassLoop()
    thread, stop = started(loop, [lambda: passes.append(time.monotonic())], [], interval=3600)
    wait_until(lambda: len(passes) == 1)
    loop.wake.set()  # a webhook, an approval: no hour-long wait
    wait_until(lambda: len(passes) == 2)
    stop.set()
    loop.wake.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and loop.state == "stopped" and len(passes) == 2


def test_a_reader_that_went_away_ends_the_loop() -> None:
    def print_to_a_closed_pipe() -> None:
        raise BrokenPipeError

    loop = PassLoop()
    errors: list[Exception] = []
    with pytest.raises(BrokenPipeError):
        loop.run([print_to_a_closed_pipe], errors.append, threading.Event(), interval=0.01)
    assert loop.state == "stopped" and errors == []
