"""The one write path: every write of the promoter (a pass's deploys and rollbacks, a person's
approval or rollback, the kill switch, a revert of main, the ledger's records of what GitHub was
told) goes through `write`, and so through the same compare-and-swap and write guard.

One attempt reads the cache, decides and builds its ref updates (`plan`); the push checks every tree
it writes (the write guard) and moves every ref or none, each only if it still points where the
attempt read it. A lost race is no error: fetch, read again, decide again, at most `attempts` times.
A refusal (a hook, an invalid tree) raises, and nothing moved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from promoter.git.remote import GitProblem, GitRepository, PushRejected, RefUpdate

MAX_ATTEMPTS = 5
T = TypeVar("T")


@dataclass(frozen=True)
class Plan(Generic[T]):
    """What one attempt decided: the refs to move (none: nothing to write) and what to answer
    once they moved."""

    updates: Sequence[RefUpdate]
    answer: T


@dataclass(frozen=True)
class Written(Generic[T]):
    """The answer of the attempt that went through (or had nothing to write); None when every
    attempt lost its race."""

    answer: T | None
    wrote: bool = False
    # updates pushed alone (RefUpdate.alone) that did not go through: (ref, why)
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def lost(self) -> bool:
        return self.answer is None


def write(remote: GitRepository, plan: Callable[[], Plan[T]], attempts: int = MAX_ATTEMPTS) -> Written[T]:
    """Plan and push until the push goes through or `attempts` races are lost. The first attempt
    reads the cache as the caller left it (a pass fetches once for all its games); every retry
    fetches first, since a lost race means a ref moved."""
    for attempt in range(attempts):
        if attempt:
            remote.fetch()
        planned = plan()
        together = [u for u in planned.updates if not u.alone]
        if together and remote.push(together).race:
            continue
        skipped = _alone(remote, [u for u in planned.updates if u.alone])
        return Written(planned.answer, wrote=bool(together), skipped=skipped)
    return Written(None)


def _alone(remote: GitRepository, updates: Sequence[RefUpdate]) -> tuple[tuple[str, str], ...]:
    """Push each of `updates` on its own; what did not go through, and why. A lost race is no error:
    the next pass reads the ref again."""
    skipped: list[tuple[str, str]] = []
    for update in updates:
        try:
            if remote.push([update]).race:
                skipped.append((update.ref, "moved since it was read"))
        except PushRejected as exc:
            skipped.append((update.ref, f"the remote refused it: {exc}"))
        except GitProblem as exc:  # the writes before it went through: they are what this pass did
            skipped.append((update.ref, f"git failed: {exc}"))
    return tuple(skipped)
