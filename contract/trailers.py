"""Commit trailers: the names HotSwap writes into commit messages and reads back, and the one reader
and the one writer of them.

The promoter writes them on deploy, rollback, stop and approval commits; the agent reads the release
and the switch instant off a ring's tip; the planner and the gates read `Hotswap-Not-Before` and
`Hotswap-Event-Stop` off main. Written trailers are `Key: value` lines at the end of the message, in
the order given, exactly as every earlier version wrote them, so refs written by any version read alike.
"""

from __future__ import annotations

from collections.abc import Iterable

import pygit2

RELEASE = "Hotswap-Release"  # the main commit a deploy commit carries (12 hex: the config_revision label)
ROLLOUT = "Hotswap-Rollout"  # the rollout a deploy or rollback commit belongs to
ROLLBACK_OF = "Hotswap-Rollback-Of"  # the release a rollback commit took off the ring
STAGE = "Hotswap-Stage"  # `region/ring-N`, `region/green` or `expedited`
REASON = "Hotswap-Reason"  # free text, one line (an operator's or the judge's)
SWITCH_AT = "Hotswap-Switch-At"  # blue-green: the instant servers flip (contract.instants)
NOT_BEFORE = "Hotswap-Not-Before"  # on a main commit: no ring before that instant (promoter.gates)
EVENT_STOP = "Hotswap-Event-Stop"  # the live event a kill-switch commit stops
APPROVAL = "Hotswap-Approval"  # the wait a GitHub approval branch commit answers
STOPPED_BY = "Stopped-By"  # who stopped a live event (on main's stop commit)
PROPOSED_BY = "Proposed-By"  # who proposed a config change (on its branch's commit)


def read_trailers(commit: pygit2.Commit) -> dict[str, str]:
    """A commit's trailers as git parses them; none when git cannot parse the message."""
    try:
        return dict(commit.message_trailers.items())
    except (pygit2.GitError, AttributeError):
        return {}


def trailer_line(key: str, value: str) -> str:
    """One trailer as it stands on its line of a message (no line end)."""
    return f"{key}: {value}"


def write_trailers(pairs: Iterable[tuple[str, str | None]]) -> str:
    """The trailer lines of `pairs`, in order, each ending in a newline; a pair whose value is None is
    left out (a trailer the commit does not carry)."""
    return "".join(trailer_line(key, value) + "\n" for key, value in pairs if value is not None)
