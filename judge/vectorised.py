"""Many rollouts' evidence for one check at once, batch by batch: the judge's rule over arrays.

For simulations (the suite, bench/decision_quality.py). It applies the same verdict rule as
`verdict.judge`, through the tests directly rather than through bounds: by the monotonicity of
the evidence in theta0, "the lower bound is beyond the tolerance" is "the upward test at the
tolerance rejects", and the suite checks both ways agree on the same draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from judge.mixture import GRID, Array, Prior, log_mixture
from judge.model import CheckSpec, Settings
from judge.scale import scale_of
from judge.sequential import needed

PASS, HOLD, WARNING, CRITICAL = 0, 1, 2, 3
CODES = ("pass", "hold", "warning", "critical")

LogLrAt = Callable[[float, int], Array]  # (theta0, sign) -> this batch's log-LR per replicate (R, J)


class MeanPool:
    """Per replicate, the mean batches not yet used: released once both arms reach the minimum
    (what `mean.pooled` does for one rollout)."""

    def __init__(self, replicates: int, minimum: float) -> None:
        self.minimum = minimum
        self.pending = np.zeros((6, replicates))

    def add(self, *arms: Array) -> tuple[Array, NDArray[np.bool_]]:
        """Add (total_c, squares_c, count_c, total_b, squares_b, count_b); returns the pooled rows
        released now (6, R) and which replicates released one (the rest release nothing)."""
        self.pending = self.pending + np.array(arms)
        ready = (self.pending[2] >= self.minimum) & (self.pending[5] >= self.minimum)
        released = np.where(ready, self.pending, 0.0)
        self.pending = np.where(ready, 0.0, self.pending)
        return released, ready


class Tracker:
    """Running evidence for one check across `replicates` rollouts (mutable: an accumulator)."""

    def __init__(self, spec: CheckSpec, alpha: float, settings: Settings, replicates: int) -> None:
        self.spec = spec
        self.prior = Prior.of(settings.prior_scale)
        self.line = math.log(1.0 / alpha)
        self.needed = needed(spec, settings, alpha)
        self.detect = scale_of(spec, settings).detect
        relative = spec.relative

        def theta(tolerance: float) -> float:
            return math.log1p(spec.sign * tolerance) if relative else math.log(tolerance)

        # (theta0, sign) of each test the rule needs; the worse direction is spec.sign
        self.tests: dict[str, tuple[float, int]] = {"rules_out_loosest": (theta(spec.loosest), -spec.sign)}
        if spec.critical is not None:
            self.tests["beyond_critical"] = (theta(spec.critical), spec.sign)
            self.tests["rules_out_critical"] = (theta(spec.critical), -spec.sign)
        if spec.warning is not None:
            self.tests["beyond_warning"] = (theta(spec.warning), spec.sign)
        self.cumulative = {key: np.zeros((replicates, GRID.size)) for key in self.tests}
        self.evidence = {key: np.full(replicates, -np.inf) for key in self.tests}
        self.information = np.zeros(replicates)

    def add(self, log_lr_at: LogLrAt, information: Array) -> None:
        """Fold in one batch for every replicate (a replicate without data passes zeros)."""
        for key, (theta0, sign) in self.tests.items():
            self.cumulative[key] += log_lr_at(theta0, sign)
            self.evidence[key] = np.maximum(self.evidence[key], log_mixture(self.cumulative[key], self.prior))
        self.information += information

    def _rejects(self, key: str) -> NDArray[np.bool_]:
        if key not in self.evidence:
            return np.zeros(self.information.shape, dtype=bool)
        return self.evidence[key] >= self.line

    def verdicts(self) -> NDArray[np.int64]:
        """PASS / HOLD / WARNING / CRITICAL per replicate, as `verdict.judge` would say."""
        met = self.information >= self.needed
        out = np.where(self._rejects("rules_out_loosest") | met, PASS, HOLD)
        if self.spec.warning is not None:
            settled = self._rejects("rules_out_critical") | (self.spec.critical is None)
            out = np.where(self._rejects("beyond_warning"), np.where(settled, WARNING, HOLD), out)
        out = np.where(self._rejects("beyond_critical"), CRITICAL, out)
        return out.astype(np.int64)
