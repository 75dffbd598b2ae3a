"""The promoter's git adapter, split by job; `promoter.gitio.Remote` puts the parts together.

- `remote`: the local bare cache of the remote, its refs and objects, and the one compare-and-swap
  push (`--atomic --force-with-lease`, behind the write guard);
- `snapshot`: refs -> `GameSnapshot` (rings, green, candidate, approvals, ledger records);
- `writes`: actions -> ref updates and commits (rings, green, tags, reverts, proposals);
- `ledger`: the one owner of the ledger ref's folders `rollouts/`, `quarantine/`, `events/`, `github/`.
"""
