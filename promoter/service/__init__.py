"""`hotswap serve`: the reconcile loop with an HTTP API, a GitHub webhook and /metrics."""
