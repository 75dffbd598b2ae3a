"""Benchmark: decision quality of the sequential judge against the point-threshold judge.

A seeded corpus of simulated rollouts with Poisson counts (churn, crashes, complaints) and sampled
means (session length, server health, engagement) at three game sizes: a mid-size game's 10% canary
sees ~200 churn events and ~50 crashes per interval, a small game a tenth of that, a large one ten
times. Releases: good, +25% churn, +40% crashes, +100% churn, +3% churn; the effect appears either
in the first region only or in a later region only.

Two modes on the same policy: NA-WEST steps 10/30/50/90/100, then NA-EAST and EU-WEST at 90/100 (a
region's 90 is judged against its last 10% still on the previous release; at 100 only absolute
checks judge), intervals of PT30M, the seed's checks in the new form (sequential judge, the policy's
judge settings with its alpha split over the 3 regions, maxDuration 48 intervals), and side by side
the same triggers in the old form (point thresholds on a step's first interval: what Argo Rollouts
and Flagger do) on the same draws.

- `array` (the large corpus, 2,000 rollouts per size, release and location): the judge's array form
  (judge.vectorised), the same verdict rule over thousands of rollouts at once, and
  promoter.analysis.classify for the point judge.
- `promoter` (the cross-check, 20 per size, release and location): every rollout through the
  promoter's own code (bench.promoter_sim): `promoter.decide` decides on a plain snapshot,
  `promoter.evaluate` builds the PromQL and judges, a simulated fleet answers the queries with the
  cumulative counts of the draws (a step's k-th interval is the same draw for both judges).

Prints, per size, judge and mode: good releases rolled back (target <= 1%), critical regressions
caught before they reach 100% of the region they appear in (target >= 99%), +3% changes rolled back
(target: none), with exact (Clopper-Pearson) 95% intervals, and the median number of intervals and
the canary's churn events to a decision; then whether each target is shown by its interval, and
which critical releases were not caught in time (release, region, how they ended).

    python -m bench.decision_quality [--rollouts 2000] [--promoter-rollouts 20] [--seed 1]
        [--scales small mid large] [--max-intervals 48] [--power P] [--jobs 2] [--fast | --promoter]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields, replace
from functools import partial

import numpy as np
from numpy.typing import NDArray

from bench import promoter_sim as sim
from bench.promoter_sim import PAUSED_INCONCLUSIVE, PAUSED_WARNING, PROMOTED, ROLLED_BACK, RUNNING, Release
from judge import SEED_CHECKS, Settings, absolute, check_alpha, mean, rate
from judge.vectorised import CRITICAL, HOLD, PASS, WARNING, MeanPool, Tracker
from pipeline.policy import Check, JudgeSettings, Threshold, judge_settings_of
from promoter.analysis import classify, worst

Array = NDArray[np.float64]

SCALES = (("small", 0.1), ("mid", 1.0), ("large", 10.0))
# The promoter-driven policy's regions: each ends with its holdback step (90), judged against the
# region's last 10% on the previous release; at 100 (no baseline cohort) only absolute checks judge.
REGIONS: tuple[tuple[str, tuple[int, ...]], ...] = tuple((r.name, r.steps) for r in sim.REGIONS)
MAX_INTERVALS = 48
# a whole region per interval at the baseline's rates, for the mid-size game
CHURN, CRASHES, PLAYERS, COMPLAINT_RATE = 2000.0, 500.0, 100_000.0, 0.003
MEANS = {  # samples per interval per region (mid-size), mean, standard deviation
    "server-health": (1000.0, 0.9, 0.05),
    "session-duration": (20_000.0, 600.0, 600.0),
    "engagement": (1000.0, 0.6, 0.18),
}
RELEASES = (
    Release("good", "good"),
    Release("+25% churn", "critical", churn=1.25),
    Release("+40% crashes", "critical", crashes=1.40),
    Release("+100% churn", "critical", churn=2.0),
    Release("+3% churn", "small", churn=1.03),
)
LOCATIONS = ("first", "later")  # the effect in NA-WEST only, or in NA-EAST only


@dataclass(frozen=True)
class Draw:
    """One interval of one step for every rollout: the candidate's and the baseline's counts."""

    share: Array
    churn_c: Array
    churn_b: Array
    crash_c: Array
    crash_b: Array
    complaints: Array
    means: tuple[tuple[Array, ...], ...]  # per mean check: total, squares, count per arm (6 arrays)

    def masked(self, keep: NDArray[np.bool_]) -> Draw:
        def zero(a: Array) -> Array:
            return np.where(keep, a, 0.0)

        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("share", "means")}
        means = tuple(tuple(zero(a) for a in arms) for arms in self.means)
        return replace(self, **{k: zero(v) for k, v in values.items()}, means=means)

    def take(self, other: Draw, where: NDArray[np.bool_]) -> Draw:
        """This draw with `other`'s values where `where` holds."""

        def pick(a: Array, b: Array) -> Array:
            return np.where(where, b, a)

        values = {
            f.name: pick(getattr(self, f.name), getattr(other, f.name)) for f in fields(self) if f.name != "means"
        }
        means = tuple(
            tuple(pick(a, b) for a, b in zip(x, y, strict=True)) for x, y in zip(self.means, other.means, strict=True)
        )
        return replace(self, **values, means=means)


def affected_region(location: str) -> int:
    """The one region the effect appears in: NA-WEST ("first") or NA-EAST ("later")."""
    return LOCATIONS.index(location)


def share_of(step: int) -> float:
    return step / 100.0


def draw(rng: np.random.Generator, size: float, share: Array, release: Release, affected: bool) -> Draw:
    churn, crashes = (release.churn, release.crashes) if affected else (1.0, 1.0)
    n = share.size
    means = []
    for samples, mu, sigma in MEANS.values():
        arms: list[Array] = []
        for part in (share, 1.0 - share):
            count = np.maximum(np.round(samples * size * part), 1.0)
            m = mu + sigma / np.sqrt(count) * rng.standard_normal(n)
            var = sigma**2 * rng.chisquare(np.maximum(count - 1, 1.0)) / np.maximum(count - 1, 1.0)
            arms += [count * m, (count - 1) * var + count * m**2, count]
        means.append(tuple(arms))
    return Draw(
        share=share,
        churn_c=rng.poisson(CHURN * size * share * churn).astype(float),
        churn_b=rng.poisson(CHURN * size * (1 - share)).astype(float),
        crash_c=rng.poisson(CRASHES * size * share * crashes).astype(float),
        crash_b=rng.poisson(CRASHES * size * (1 - share)).astype(float),
        complaints=rng.poisson(COMPLAINT_RATE * PLAYERS * size * share).astype(float),
        means=tuple(means),
    )


@dataclass
class Outcomes:
    status: NDArray[np.int64]
    region: NDArray[np.int64]  # where it ended (rolled back or paused)
    step: NDArray[np.int64]
    intervals: Array  # intervals from the start to the end
    canary_intervals: Array  # how long NA-WEST/10 lasted
    canary_events: Array  # the candidate's churn events in NA-WEST/10
    evaluations: Array  # how often the judge was asked

    @staticmethod
    def empty(n: int) -> Outcomes:
        return Outcomes(
            np.full(n, RUNNING),
            np.zeros(n, int),
            np.zeros(n, int),
            np.zeros(n),
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.zeros(n),
        )

    @staticmethod
    def of(outcomes: Sequence[sim.Outcome]) -> Outcomes:
        """The promoter-driven rollouts' outcomes as arrays."""
        columns = [f.name for f in fields(Outcomes)]
        return Outcomes(*(np.array([getattr(o, c) for o in outcomes]) for c in columns))


def feed(trackers: Sequence[Tracker], pools: Sequence[MeanPool], d: Draw, size: float) -> NDArray[np.int64]:
    """Fold one interval into every check's evidence; the worst verdict per rollout."""
    offset = np.log(np.where(d.share > 0, d.share, 0.5) / np.where(d.share < 1, 1 - d.share, 0.5))
    exposure = PLAYERS * size * d.share * (d.churn_c + d.churn_b + d.crash_c + d.crash_b > 0)
    # a step of 100 has no baseline cohort: there the relative checks are n/a (nothing added)
    baseline = d.share < 1
    verdict = np.full(d.share.size, PASS)
    means = iter(zip(pools, d.means, strict=True))
    for tracker in trackers:
        spec = tracker.spec
        if spec.test == "rate":
            c, b = (d.churn_c, d.churn_b) if spec.name == "churn" else (d.crash_c, d.crash_b)
            c, t = np.where(baseline, c, 0.0), np.where(baseline, c + b, 0.0)
            tracker.add(partial(rate.log_lr, c, t, offset), rate.information(t, offset, tracker.detect))
        elif spec.test == "absolute":
            tracker.add(partial(absolute.log_lr, d.complaints, exposure), exposure * np.exp(tracker.detect))
        else:
            pool, arms = next(means)
            rows, ready = pool.add(*(np.where(baseline, a, 0.0) for a in arms))
            r, v = mean.batch_statistics(*rows)
            v = np.where(ready, v, np.inf)
            tracker.add(partial(mean.log_lr, r, v), 1.0 / v)
        judged = tracker.verdicts() if spec.test == "absolute" else np.where(baseline, tracker.verdicts(), PASS)
        verdict = np.maximum(verdict, judged)
    return verdict


def run_sequential(
    rng: np.random.Generator,
    first: list[list[Draw]],
    size: float,
    release: Release,
    location: str,
    settings: Settings,
    max_intervals: int = MAX_INTERVALS,
) -> Outcomes:
    n = first[0][0].share.size
    out = Outcomes.empty(n)
    alpha = check_alpha(settings, len(SEED_CHECKS))
    for r, (_, steps) in enumerate(REGIONS):
        inside = out.status == RUNNING
        trackers = [Tracker(spec, alpha, settings, n) for spec in SEED_CHECKS]
        pools = [MeanPool(n, mean.MIN_SAMPLES) for spec in SEED_CHECKS if spec.test == "mean"]
        step = np.zeros(n, int)
        in_step = np.zeros(n, int)
        canary_events = np.zeros(n)
        affected = r == affected_region(location)
        while inside.any():
            share = np.array([share_of(steps[min(s, len(steps) - 1)]) for s in step])
            d = draw(rng, size, share, release, affected)
            for s in range(len(steps)):
                d = d.take(first[r][s], (in_step == 0) & (step == s))
            d = d.masked(inside)
            verdict = feed(trackers, pools, d, size)
            in_step += 1
            out.intervals += inside
            if r == 0:
                canary_events += np.where(step == 0, d.churn_c, 0.0)
            ended = np.zeros(n, bool)
            for code, status in ((CRITICAL, ROLLED_BACK), (WARNING, PAUSED_WARNING)):
                hit = inside & (verdict == code) & ~ended
                out.status[hit], out.region[hit], out.step[hit] = status, r, step[hit]
                ended |= hit
            timeout = inside & (verdict == HOLD) & (in_step >= max_intervals) & ~ended
            out.status[timeout], out.region[timeout], out.step[timeout] = PAUSED_INCONCLUSIVE, r, step[timeout]
            ended |= timeout
            passed = inside & (verdict == PASS) & ~ended
            if r == 0:
                leaving = (step == 0) & (ended | passed)
                out.canary_intervals[leaving] = in_step[leaving]
                out.canary_events[leaving] = canary_events[leaving]
            step[passed] += 1
            in_step[passed] = 0
            inside &= ~ended & (step < len(steps))
    out.status[out.status == RUNNING] = PROMOTED
    out.evaluations = out.intervals.copy()
    return out


POINT_CHECKS = (
    Check("churn", "q", "b", Threshold("relativeIncrease", 0.05), Threshold("relativeIncrease", 0.02)),
    Check("crash-rate", "q", "b", Threshold("relativeIncrease", 0.10), None),
    Check("complaints", "q", None, Threshold("above", 0.01), None),
    Check("server-health", "q", "b", Threshold("relativeDecrease", 0.20), None),
    Check("session-duration", "q", "b", None, Threshold("relativeDecrease", 0.10)),
    Check("engagement", "q", "b", None, Threshold("relativeDecrease", 0.15)),
)


def run_point(first: list[list[Draw]], size: float) -> Outcomes:
    """The previous judge: each step judged once, on its one interval (the same draws)."""
    n = first[0][0].share.size
    out = Outcomes.empty(n)
    for i in range(n):
        for r, (_, steps) in enumerate(REGIONS):
            for s in range(len(steps)):
                d = first[r][s]
                share = float(d.share[i])
                players_c, players_b = PLAYERS * size * share, PLAYERS * size * (1 - share)
                values: list[tuple[float, float | None]] = [
                    (d.churn_c[i] / players_c, d.churn_b[i] / max(players_b, 1.0)),
                    (d.crash_c[i] / players_c, d.crash_b[i] / max(players_b, 1.0)),
                    (d.complaints[i] / players_c, None),
                ]
                values += [(arms[0][i] / arms[2][i], arms[3][i] / arms[5][i]) for arms in d.means]
                checks = zip(POINT_CHECKS, values, strict=True)
                # at 100 there is no baseline cohort: only the absolute threshold judges
                judged = [(c, v, b) for c, (v, b) in checks if share < 1 or c.baseline is None]
                verdict = worst(tuple(classify(c, v, b) for c, v, b in judged))
                out.intervals[i] += 1
                if r == 0 and s == 0:
                    out.canary_intervals[i], out.canary_events[i] = 1, d.churn_c[i]
                if verdict in ("critical", "warning"):
                    out.status[i] = ROLLED_BACK if verdict == "critical" else PAUSED_WARNING
                    out.region[i], out.step[i] = r, s
                    break
            if out.status[i] != RUNNING:
                break
        if out.status[i] == RUNNING:
            out.status[i] = PROMOTED
    out.evaluations = out.intervals.copy()
    return out


# The first step index that is too late to catch a regression, in the first region and in a later
# one: the 100% steps, judged by absolute checks only (both modes run the same policy shape).
TOO_LATE = (REGIONS[0][1].index(100), REGIONS[1][1].index(100))


def caught_in_time(out: Outcomes, location: str, too_late: tuple[int, int] = TOO_LATE) -> NDArray[np.bool_]:
    """Rolled back in the region the effect appears in, at a step before `too_late` of that region."""
    region = affected_region(location)
    in_region = (out.status == ROLLED_BACK) & (out.region == region)
    return np.asarray(in_region & (out.step < too_late[region]), dtype=bool)


@dataclass
class Tally:
    good: list[Outcomes]
    critical: list[tuple[Outcomes, str]]
    small: list[Outcomes]
    too_late: tuple[int, int] = TOO_LATE
    names: list[str] = field(default_factory=list)  # the critical releases' names, as `critical`

    def add(self, release: Release, location: str, out: Outcomes) -> None:
        if release.kind == "good":
            self.good.append(out)
        elif release.kind == "critical":
            self.critical.append((out, location))
            self.names.append(release.name)
        else:
            self.small.append(out)

    def evaluations(self) -> int:
        everything = [*self.good, *self.small, *(o for o, _ in self.critical)]
        return int(sum(o.evaluations.sum() for o in everything))

    def row(self) -> dict[str, str]:
        good = _cat(self.good)
        small = _cat(self.small)
        critical = _cat([o for o, _ in self.critical])
        in_time = np.concatenate([caught_in_time(o, loc, self.too_late) for o, loc in self.critical])
        caught = critical.status == ROLLED_BACK
        paused = (good.status == PAUSED_WARNING) | (good.status == PAUSED_INCONCLUSIVE)
        return {
            "good rolled back": _rate(good.status == ROLLED_BACK, interval=True),
            "good paused": _rate(paused),
            "critical caught in time": _rate(in_time, interval=True),
            "critical caught": _rate(caught),
            "critical promoted": _rate(critical.status == PROMOTED),
            "+3% rolled back": _rate(small.status == ROLLED_BACK, interval=True),
            "+3% paused": _rate((small.status == PAUSED_WARNING) | (small.status == PAUSED_INCONCLUSIVE)),
            "intervals to rollback": _median(critical.intervals[caught]),
            "intervals to promote": _median(good.intervals[good.status == PROMOTED]),
            "canary intervals": _median(good.canary_intervals),
            "canary churn events": _median(good.canary_events),
        }

    def key_rates(self) -> dict[str, NDArray[np.bool_]]:
        """Per rollout, what the targets count: good rolled back, critical caught in time, +3% rolled back."""
        return {
            "good rolled back": _cat(self.good).status == ROLLED_BACK,
            "critical caught in time": np.concatenate(
                [caught_in_time(o, loc, self.too_late) for o, loc in self.critical]
            ),
            "+3% rolled back": _cat(self.small).status == ROLLED_BACK,
        }

    def agrees_with(self, other: Tally) -> str:
        """Whether this (small) corpus's key rates are what `other`'s (large) rates would give: a
        two-sided exact binomial test of each count at the other's rate, agreeing at p >= 0.01."""
        from scipy.stats import binomtest

        parts = []
        for label, hits in self.key_rates().items():
            theirs = other.key_rates()[label]
            rate = min(max(float(theirs.mean()), 0.5 / theirs.size), 1 - 0.5 / theirs.size)
            p = binomtest(int(hits.sum()), hits.size, rate).pvalue
            parts.append(f"{label} {hits.sum()}/{hits.size} at {rate:.2%}: {'agrees' if p >= 0.01 else 'DIFFERS'}")
        return "; ".join(parts)

    def targets(self) -> str:
        """The targets against the exact 95% intervals: `shown` when the whole interval meets it,
        `missed` when the whole interval misses it, else `open` (too few rollouts to tell)."""
        good, in_time, small = self.key_rates().values()
        parts = []
        for label, hits, target, above in (
            ("good rolled back <= 1%", good, 0.01, False),
            ("critical caught in time >= 99%", in_time, 0.99, True),
        ):
            low, high = clopper_pearson(int(hits.sum()), hits.size)
            met, failed = (low >= target, high < target) if above else (high <= target, low > target)
            parts.append(f"{label}: {'shown' if met else 'missed' if failed else 'open'} [{low:.2%}, {high:.2%}]")
        parts.append(f"+3% rolled back: {'none' if not small.any() else f'{small.sum()} (missed)'}")
        return "; ".join(parts)

    def misses(self) -> str:
        """The critical releases not caught in time, by release and location, and how they ended."""
        found: dict[str, list[str]] = {}
        for (out, location), name in zip(self.critical, self.names, strict=True):
            late = ~caught_in_time(out, location, self.too_late)
            for status, region, step in zip(out.status[late], out.region[late], out.step[late], strict=True):
                where = "" if status == PROMOTED else f" {REGIONS[region][0]}/{REGIONS[region][1][step]}"
                found.setdefault(f"{name} in the {location} region", []).append(f"{_ENDED[int(status)]}{where}")
        return "; ".join(
            f"{key} {len(v)}/{self.critical[0][0].status.size} ({', '.join(sorted(set(v)))})"
            for key, v in found.items()
        )


def _cat(outs: Sequence[Outcomes]) -> Outcomes:
    return Outcomes(*(np.concatenate([getattr(o, f.name) for o in outs]) for f in fields(Outcomes)))


_ENDED = {PROMOTED: "promoted", ROLLED_BACK: "rolled back at", PAUSED_WARNING: "paused (warning) at"}
_ENDED |= {PAUSED_INCONCLUSIVE: "paused (inconclusive) at", RUNNING: "running at"}


def clopper_pearson(hits: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a binomial proportion."""
    from scipy.stats import beta  # a dev dependency: the bench and the suite only

    tail = (1.0 - level) / 2
    low = float(beta.ppf(tail, hits, n - hits + 1)) if hits > 0 else 0.0
    high = float(beta.ppf(1 - tail, hits + 1, n - hits)) if hits < n else 1.0
    return low, high


def _rate(hits: NDArray[np.bool_], interval: bool = False) -> str:
    text = f"{hits.sum()}/{hits.size} ({hits.mean():.1%})"
    if interval:
        low, high = clopper_pearson(int(hits.sum()), hits.size)
        text += f" [{low:.1%}, {high:.1%}]"
    return text


def _median(values: Array) -> str:
    values = values[np.isfinite(values)]
    return f"{np.median(values):.0f}" if values.size else "-"


def run(
    rollouts: int,
    seed: int,
    scales: Sequence[tuple[str, float]] = SCALES,
    max_intervals: int = MAX_INTERVALS,
    judge: JudgeSettings | None = None,
) -> dict[str, dict[str, Tally]]:
    # the promoter's settings for one region: the policy's alpha split over its regions
    settings = judge_settings_of(sim.judged_policy(max_intervals, judge))
    results: dict[str, dict[str, Tally]] = {}
    for scale, size in scales:
        s_index = [name for name, _ in SCALES].index(scale)
        tallies = {"sequential": Tally([], [], []), "point": Tally([], [], [])}
        for r_index, release in enumerate(RELEASES):
            for l_index, location in enumerate(LOCATIONS):
                rng = np.random.default_rng([seed, s_index, r_index, l_index])
                first = [
                    [
                        draw(rng, size, np.full(rollouts, share_of(step)), release, r == affected_region(location))
                        for step in steps
                    ]
                    for r, (_, steps) in enumerate(REGIONS)
                ]
                for name, out in (
                    ("sequential", run_sequential(rng, first, size, release, location, settings, max_intervals)),
                    ("point", run_point(first, size)),
                ):
                    tallies[name].add(release, location, out)
        results[scale] = tallies
    return results


# --- the promoter-driven mode -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Rollouts [start, stop) of one (size, release, location), through both policies."""

    seed: int
    scale: int
    release: int
    location: int
    start: int
    stop: int
    max_intervals: int
    judge: JudgeSettings


def run_cell(cell: Cell) -> tuple[list[sim.Outcome], list[sim.Outcome]]:
    size = SCALES[cell.scale][1]
    release = RELEASES[cell.release]
    judged, point = sim.judged_policy(cell.max_intervals, cell.judge), sim.point_policy()
    outcomes: tuple[list[sim.Outcome], list[sim.Outcome]] = ([], [])
    for i in range(cell.start, cell.stop):
        key = (cell.seed, cell.scale, cell.release, cell.location, i)
        for policy, into in zip((judged, point), outcomes, strict=True):
            into.append(sim.run_rollout(policy, size, release, cell.location, key))
    return outcomes


def run_promoter(
    rollouts: int,
    seed: int,
    scales: Sequence[tuple[str, float]] = SCALES,
    max_intervals: int = MAX_INTERVALS,
    judge: JudgeSettings | None = None,
    jobs: int = 1,
    chunk: int = 5,
) -> dict[str, dict[str, Tally]]:
    """The corpus through promoter.decide and promoter.evaluate, `jobs` processes at once."""
    judge = judge or JudgeSettings()
    names = [name for name, _ in SCALES]
    cells = [
        Cell(seed, names.index(scale), r, loc, start, min(start + chunk, rollouts), max_intervals, judge)
        for scale, _ in scales
        for r in range(len(RELEASES))
        for loc in range(len(LOCATIONS))
        for start in range(0, rollouts, chunk)
    ]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(run_cell, cells))
    else:
        done = [run_cell(cell) for cell in cells]
    results: dict[str, dict[str, Tally]] = {}
    for scale, _ in scales:
        tallies = {judge_: Tally([], [], []) for judge_ in ("sequential", "point")}
        for r, release in enumerate(RELEASES):
            for loc, location in enumerate(LOCATIONS):
                mine = [
                    d
                    for c, d in zip(cells, done, strict=True)
                    if (c.scale, c.release, c.location) == (names.index(scale), r, loc)
                ]
                for k, judge_ in enumerate(("sequential", "point")):
                    tallies[judge_].add(release, location, Outcomes.of([o for d in mine for o in d[k]]))
        results[scale] = tallies
    return results


Results = dict[str, dict[str, Tally]]
MODES = {
    "array": "the judge's array form (judge.vectorised)",
    "promoter": "promoter.decide and promoter.evaluate",
}


def print_table(runs: Sequence[tuple[str, Results]]) -> None:
    """One row per size, judge and mode (`array` or `promoter`), then each row's targets and misses."""
    rows = [
        (scale, judge, mode, tally)
        for scale in [name for name, _ in SCALES]
        for mode, results in runs
        if scale in results
        for judge, tally in results[scale].items()
    ]
    columns = list(rows[0][3].row())
    header = ["size", "judge", "mode", *columns]
    table = [header] + [[scale, judge, mode, *tally.row().values()] for scale, judge, mode, tally in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for k, line in enumerate(table):
        print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if k == 0:
            print("-|-".join("-" * w for w in widths))
    print("\nTargets per size (exact 95% intervals) and the critical releases not caught in time:")
    large = {(scale, judge): tally for scale, judge, mode, tally in rows if mode == "array"}
    for scale, judge, mode, tally in rows:
        print(f"  {scale} {judge} ({mode}): {tally.targets()}")
        missed = tally.misses()
        if missed and judge == "sequential":
            print(f"    not caught in time: {missed}")
        if mode == "promoter" and (scale, judge) in large:
            print(f"    against the array form's rates: {tally.agrees_with(large[(scale, judge)])}")


def ran(results: Results, rollouts: int) -> str | None:
    """Why the table would mislead: a judge that never evaluated, or a cell short of rollouts."""
    for scale, tallies in results.items():
        for judge, tally in tallies.items():
            if tally.evaluations() == 0:
                return f"{scale}: the {judge} judge never evaluated"
            cells = [*tally.good, *tally.small, *(o for o, _ in tally.critical)]
            short = [o.status.size for o in cells if o.status.size != rollouts]
            if short or len(cells) != len(RELEASES) * len(LOCATIONS):
                return f"{scale}: the {judge} judge ran {len(cells)} cells, sizes {short or rollouts}"
    return None


FAST_ROLLOUTS, PROMOTER_ROLLOUTS, PROMOTER_SCALES = 2000, 20, ("mid", "large")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--fast", action="store_true", help="the judge's array form alone (no promoter cross-check)")
    mode.add_argument("--promoter", action="store_true", help="the promoter's code alone (no array-form corpus)")
    parser.add_argument(
        "--rollouts",
        type=int,
        default=FAST_ROLLOUTS,
        help=f"array form: rollouts per size, release and location (default {FAST_ROLLOUTS})",
    )
    parser.add_argument(
        "--promoter-rollouts",
        type=int,
        default=PROMOTER_ROLLOUTS,
        help=f"promoter cross-check: rollouts per size, release and location (default {PROMOTER_ROLLOUTS})",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scales", nargs="+", choices=[name for name, _ in SCALES], default=[name for name, _ in SCALES]
    )
    parser.add_argument(
        "--promoter-scales",
        nargs="+",
        choices=[name for name, _ in SCALES],
        default=list(PROMOTER_SCALES),
        help="sizes of the promoter cross-check (default: mid large; a small game holds every rollout for"
        " maxDuration at its canary, half the cost for no decision)",
    )
    parser.add_argument("--max-intervals", type=int, default=MAX_INTERVALS, help="maxDuration of a step, in intervals")
    default_power = JudgeSettings().power
    parser.add_argument(
        "--power", type=float, default=default_power, help=f"the judge's power at the detect effect ({default_power:g})"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes (promoter mode)")
    args = parser.parse_args()
    if args.rollouts < 1 or args.promoter_rollouts < 1 or args.jobs < 1:
        parser.error("--rollouts, --promoter-rollouts and --jobs must be at least 1")
    if not 0.5 <= args.power < 1:
        parser.error("--power must be in [0.5, 1)")
    scales = [s for s in SCALES if s[0] in args.scales]
    judge = JudgeSettings(power=args.power)
    runs: list[tuple[str, Results]] = []
    notes = []
    for name, rollouts, skip in (
        ("array", args.rollouts, args.promoter),
        ("promoter", args.promoter_rollouts, args.fast),
    ):
        if skip:
            continue
        started = time.perf_counter()
        if name == "array":
            results = run(rollouts, args.seed, scales, args.max_intervals, judge)
        else:
            subset = [s for s in scales if s[0] in args.promoter_scales]
            results = run_promoter(rollouts, args.seed, subset, args.max_intervals, judge, args.jobs)
        problem = ran(results, rollouts)
        if problem is not None:
            raise SystemExit(f"decision_quality: {name} mode: {problem}; no table")
        runs.append((name, results))
        evaluations = sum(t.evaluations() for tallies in results.values() for t in tallies.values())
        notes.append(
            f"{name}: through {MODES[name]}; {rollouts} rollouts per size, release and location"
            f" ({rollouts * len(LOCATIONS)} per release); {evaluations} evaluations;"
            f" {time.perf_counter() - started:.0f} s"
        )
    print_table(runs)
    print(f"\nseed {args.seed}, maxDuration {args.max_intervals} intervals, power {args.power:g}")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
