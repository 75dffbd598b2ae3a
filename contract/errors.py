"""One error scheme for every adapter (git, Prometheus, GitHub, the agent's sources and sidecar).

An adapter raises a `HotswapFailure` carrying a `kind` (what failed: counted under that name in
metrics and logs) and whether a retry can help (`retryable`): a transient failure is tried again on a
later pass; a terminal one is recorded for its item and never retried blindly. The core returns values;
loops catch `HotswapFailure` (and, as a last resort, any exception) at one place and count by kind.
"""

from __future__ import annotations


class HotswapFailure(Exception):
    """Base of every failure an adapter reports. Subclasses set `kind` and `retryable`."""

    kind: str = "internal"
    retryable: bool = True

    def __init__(self, message: str = "", *, kind: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        if retryable is not None:
            self.retryable = retryable


class Refused(HotswapFailure):
    """The state does not allow what was asked (approve with nothing waiting, an ended rollout):
    terminal, and the caller's answer is a 4xx or exit 1, never a retry."""

    kind = "refused"
    retryable = False
