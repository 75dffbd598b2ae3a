"""Simulated rollouts through the promoter's own decision code: `promoter.decide` decides,
`promoter.evaluate` builds the PromQL and judges, and a simulated fleet answers the queries.

One rollout is a loop on plain values (no git): `decide(snap, now)`; when it asks for an
evaluation, `evaluate(fleet, request, now)` and `decide(snap, now, results)`; the returned actions
are applied to the snapshot (WriteRings moves rings, AppendEvents appends to the record, RevertRings
and Quarantine end it, TagRelease completes it), and `now` moves on by what `next_evaluation` says.
While time passes, the fleet draws one interval of Poisson counts (and sampled means) for the
region in flight, for the candidate's share and the baseline's rest. The draws are keyed by
(region, step, interval of the step), so two judges (policies) run on the same draws: a step's
first interval is the same draw for both.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from judge import SEED_CHECKS, CheckSpec
from pipeline.policy import Check, JudgeSettings, Region, RolloutPolicy, Threshold
from promoter.decide import decide, next_evaluation, position
from promoter.evaluate import evaluate
from promoter.model import (
    AppendEvents,
    Candidate,
    DeployInfo,
    GameSnapshot,
    Quarantine,
    ReleaseInfo,
    RevertRings,
    RolloutRecord,
    TagRelease,
    WriteRings,
)

GAME, OLD, NEW = "sim", "a" * 40, "b" * 40
T0 = datetime(2026, 11, 2, tzinfo=UTC)
INTERVAL = timedelta(minutes=30)
RINGS = (10, 30, 50, 90, 100)
# Every region ends with a holdback step (90): its last 10% still on the previous release is the
# baseline a later region's regression is judged against (a step of 100 has none).
REGIONS = (
    Region("NA-WEST", (10, 30, 50, 90, 100), INTERVAL, False),
    Region("NA-EAST", (90, 100), INTERVAL, False),
    Region("EU-WEST", (90, 100), INTERVAL, False),
)

# Metric names (the contract's) and a whole region's pace per interval at the mid-size game.
EXPOSURE = "hotswap_player_seconds_total"
CHURNED, CRASHES, COMPLAINTS = (
    "hotswap_players_churned_total",
    "hotswap_server_crashes_total",
    "hotswap_player_complaints_total",
)
SESSION = "hotswap_session_duration_seconds"
HEALTH, ENGAGEMENT = "hotswap_server_health", "hotswap_engagement_score"
PLAYERS = 100_000.0
PACE = {CHURNED: 2000.0, CRASHES: 500.0}
COMPLAINTS_PER_PLAYER_HOUR = 0.003  # the limit is 0.01
# samples per interval (sessions) or servers sampled (gauges) per region; mean; standard deviation
MEANS = {SESSION: (20_000.0, 600.0, 600.0), HEALTH: (1000.0, 0.9, 0.05), ENGAGEMENT: (1000.0, 60.0, 18.0)}
COUNTERS = (EXPOSURE, CHURNED, CRASHES, COMPLAINTS, f"{SESSION}_sum", f"{SESSION}_count", f"{SESSION}_squares_total")

# Which metrics each seed check reads (the new form), and the previous judge's query per check.
_READS: dict[str, dict[str, str]] = {
    "churn": {"events": CHURNED},
    "crash-rate": {"events": CRASHES},
    "complaints": {"events": COMPLAINTS},
    "server-health": {"gauge": HEALTH},
    "session-duration": {"sum": f"{SESSION}_sum", "count": f"{SESSION}_count", "squares": f"{SESSION}_squares_total"},
    "engagement": {"gauge": ENGAGEMENT},
}
_SEL = 'game="{{game}}",region="{{region}}",config_revision="{{%s}}"'


def _increase(metric: str, side: str) -> str:
    return f"sum(increase({metric}{{{_SEL % side}}}[{{{{interval}}}}]))"


def _point_queries(name: str, side: str) -> str:
    """The previous judge's instant values over the last interval: rates per player-second, means."""
    if name in ("churn", "crash-rate", "complaints"):
        return f"{_increase(_READS[name]['events'], side)} / {_increase(EXPOSURE, side)}"
    if name == "session-duration":
        return f"{_increase(f'{SESSION}_sum', side)} / {_increase(f'{SESSION}_count', side)}"
    return f"avg({_READS[name]['gauge']}{{{_SEL % side}}})"


def _threshold(spec: CheckSpec, value: float | None) -> Threshold | None:
    if value is None:
        return None
    if spec.test == "absolute":
        return Threshold("above" if spec.worse == "up" else "below", value)
    return Threshold("relativeIncrease" if spec.worse == "up" else "relativeDecrease", value)


def _seed(names: tuple[str, ...] | None) -> tuple[CheckSpec, ...]:
    return tuple(spec for spec in SEED_CHECKS if names is None or spec.name in names)


def judged_policy(
    max_intervals: int,
    settings: JudgeSettings | None = None,
    regions: tuple[Region, ...] = REGIONS,
    names: tuple[str, ...] | None = None,
) -> RolloutPolicy:
    """The seed's checks (or those named) in the new form (absolute limits per player-hour),
    judged sequentially; maxDuration `max_intervals` intervals."""
    checks = tuple(
        Check(
            spec.name,
            "",
            None,
            _threshold(spec, spec.critical),
            _threshold(spec, spec.warning),
            test=spec.test,
            detect=spec.detect,
            events=reads.get("events"),
            sum=reads.get("sum"),
            count=reads.get("count"),
            squares=reads.get("squares"),
            gauge=reads.get("gauge"),
        )
        for spec in _seed(names)
        for reads in (_READS[spec.name],)
    )
    judge = replace(settings or JudgeSettings(), max_duration=INTERVAL * max_intervals)
    return RolloutPolicy(
        GAME, "canary", RINGS, regions, checks, exposure_counter=EXPOSURE, exposure_minimum=50, judge=judge
    )


def point_policy(regions: tuple[Region, ...] = REGIONS, names: tuple[str, ...] | None = None) -> RolloutPolicy:
    """The same triggers as point thresholds on the last interval's values (the old form)."""
    checks = []
    for spec in _seed(names):
        critical, warning = _threshold(spec, spec.critical), _threshold(spec, spec.warning)
        if spec.test == "absolute":  # per player-hour -> per player-second, as the query reads it
            critical = replace(critical, value=critical.value / 3600) if critical else None
        baseline = None if spec.test == "absolute" else _point_queries(spec.name, "baseline")
        checks.append(Check(spec.name, _point_queries(spec.name, "revision"), baseline, critical, warning))
    return RolloutPolicy(GAME, "canary", RINGS, regions, tuple(checks))


@dataclass(frozen=True)
class Release:
    name: str
    kind: str  # good | critical | small
    churn: float = 1.0
    crashes: float = 1.0


# --- the fleet: what Prometheus would answer -------------------------------------------------------

_SELECTOR = r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{game="[^"]*",region="([^"]*)",config_revision="([^"]*)"\}'
_INCREASE = re.compile(rf"sum\(increase\({_SELECTOR}\[(\d+)s\]\)\)")
_GAUGE = re.compile(rf"(sum|count|avg)\({_SELECTOR}( \^ 2)?\)")


@dataclass
class Fleet:
    """Cumulative counters per (region, revision, metric) as increments per interval, and the last
    gauge samples; answers the PromQL promoter.evaluate builds (and the point policy's ratios)."""

    counters: dict[tuple[str, str, str], list[tuple[datetime, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    gauges: dict[tuple[str, str, str], tuple[float, float, float]] = field(default_factory=dict)
    asked: int = 0

    def query(self, promql: str, at: datetime) -> float | None:
        self.asked += 1
        if " / " in promql:
            top, bottom = (self._one(part, at) for part in promql.split(" / "))
            return top / bottom if top is not None and bottom else None
        return self._one(promql, at)

    def _one(self, promql: str, at: datetime) -> float | None:
        m = _INCREASE.fullmatch(promql)
        if m:
            metric, region, revision, seconds = m.groups()
            series = self.counters.get((region, revision, metric))
            if not series:
                return None
            since = at - timedelta(seconds=int(seconds))
            return sum(v for t, v in series if since < t <= at)
        m = _GAUGE.fullmatch(promql)
        if m is None:
            raise ValueError(f"the simulated fleet cannot answer {promql!r}")
        how, metric, region, revision, squared = m.groups()
        sample = self.gauges.get((region, revision, metric))
        if sample is None:
            return None
        total, squares, count = sample
        if how == "count":
            return count
        if how == "avg":
            return total / count
        return squares if squared else total

    def advance(
        self, rng: np.random.Generator, region: str, share: float, size: float, effect: Release, end: datetime
    ) -> None:
        """One interval of the region: the candidate (NEW) on `share` of it, the baseline on the rest."""
        for revision, part, churn, crashes in (
            (NEW[:12], share, effect.churn, effect.crashes),
            (OLD[:12], 1.0 - share, 1.0, 1.0),
        ):
            if part <= 0:
                continue
            players = PLAYERS * size * part
            seconds = INTERVAL.total_seconds()
            drawn = {
                EXPOSURE: players * seconds,
                CHURNED: rng.poisson(PACE[CHURNED] * size * part * churn),
                CRASHES: rng.poisson(PACE[CRASHES] * size * part * crashes),
                COMPLAINTS: rng.poisson(COMPLAINTS_PER_PLAYER_HOUR * players * seconds / 3600),
            }
            for metric, (samples, mu, sigma) in MEANS.items():
                total, squares, count = _sampled(rng, max(round(samples * size * part), 1), mu, sigma)
                if metric == SESSION:
                    drawn |= {f"{SESSION}_sum": total, f"{SESSION}_count": count, f"{SESSION}_squares_total": squares}
                else:
                    self.gauges[(region, revision, metric)] = (total, squares, count)
            for metric, value in drawn.items():
                self.counters[(region, revision, metric)].append((end, float(value)))


def _sampled(rng: np.random.Generator, count: int, mu: float, sigma: float) -> tuple[float, float, float]:
    """Sum, sum of squares and count of `count` normal samples, drawn through their statistics."""
    mean = mu + sigma / math.sqrt(count) * rng.standard_normal()
    dof = max(count - 1, 1)
    variance = sigma**2 * rng.chisquare(dof) / dof
    return count * mean, (count - 1) * variance + count * mean**2, float(count)


# --- one rollout ------------------------------------------------------------------------------------

PROMOTED, ROLLED_BACK, PAUSED_WARNING, PAUSED_INCONCLUSIVE, RUNNING = range(5)
_PAUSED = {"warning": PAUSED_WARNING, "inconclusive": PAUSED_INCONCLUSIVE, "error": PAUSED_INCONCLUSIVE}


@dataclass(frozen=True)
class Outcome:
    status: int
    region: int  # where it ended (rolled back or paused)
    step: int  # the step's index in its region
    intervals: int  # intervals from the first deploy to the end
    canary_intervals: float  # how long NA-WEST's first step lasted (nan if never left)
    canary_events: float  # the candidate's churn events in NA-WEST's first step
    evaluations: int


def initial_snapshot(policy: RolloutPolicy) -> GameSnapshot:
    before = T0 - timedelta(days=1)
    old = DeployInfo("deploy-old", "tree-old", OLD, before)
    rings = {(region.name, ring): old for region in policy.regions for ring in policy.rings}
    infos = {sha: ReleaseInfo(policy) for sha in (OLD, NEW)}
    return GameSnapshot(GAME, Candidate(NEW, "tree-new"), rings, {}, {}, infos)


def _apply(snap: GameSnapshot, actions: tuple[object, ...], now: datetime) -> tuple[GameSnapshot, bool]:
    """The snapshot after the actions, and whether the rollout ended."""
    rings, records, ended = dict(snap.rings), dict(snap.records), False
    for action in actions:
        if isinstance(action, WriteRings):
            for ring in action.rings:
                rings[ring] = DeployInfo(
                    f"deploy-{action.stage}", action.tree, action.release, now, None, "tree-old", OLD
                )
        elif isinstance(action, AppendEvents):
            record = records.get(action.release) or RolloutRecord(action.game, action.release, action.tree)
            records[action.release] = record.appended(*action.events)
        elif isinstance(action, RevertRings | Quarantine | TagRelease):
            ended = True
    return replace(snap, rings=rings, records=records), ended


def run_rollout(
    policy: RolloutPolicy, size: float, release: Release, affected: int, key: tuple[int, ...], limit: int = 2000
) -> Outcome:
    """One rollout of NEW over OLD; the effect appears only in region `affected`. `key` seeds the
    draws: the same key gives the same counts at the same (region, step, interval of the step)."""
    fleet, snap, now = Fleet(), initial_snapshot(policy), T0
    intervals, evaluations = 0, 0
    canary_intervals, canary_events = math.nan, 0.0
    for _ in range(limit):
        decision = decide(snap, now)
        if decision.evaluate is not None:
            evaluations += 1
            decision = decide(snap, now, evaluate(fleet, decision.evaluate, now))
        before = position(snap, policy, NEW)
        snap, ended = _apply(snap, decision.actions, now)
        after = position(snap, policy, NEW)
        if before is not None and (before.region, before.step) == (0, 0) and (ended or after != before):
            canary_intervals = intervals
        if ended:
            break
        if decision.actions:
            continue  # decide again at the same time: the step just written waits its interval
        wait = next_evaluation(snap, now)
        if wait is None or after is None or wait <= timedelta(0):
            break  # paused (waits for a person), or nothing left to wait for
        region = policy.regions[after.region]
        k = round((now - after.landed) / region.interval)
        rng = np.random.default_rng([*key, after.region, after.step, k])
        share = region.steps[after.step] / 100
        effect = release if after.region == affected else Release("none", "good")
        fleet.advance(rng, region.name, share, size, effect, now + wait)
        if (after.region, after.step) == (0, 0):
            canary_events += fleet.counters[(region.name, NEW[:12], CHURNED)][-1][1]
        now += wait
        intervals += 1
    status, ended_in, ended_at = _ending(snap.records[NEW], policy.regions)
    if (ended_in, ended_at) == (0, 0) and status not in (RUNNING, PROMOTED):  # it ended (paused) at the canary
        canary_intervals = intervals
    return Outcome(status, ended_in, ended_at, intervals, canary_intervals, canary_events, evaluations)


def _ending(record: RolloutRecord, regions: tuple[Region, ...]) -> tuple[int, int, int]:
    """How the rollout ended, and where: (status, region index, step index)."""
    names = [r.name for r in regions]
    last = record.events[-1]
    if last.type == "complete":
        return PROMOTED, len(regions) - 1, len(regions[-1].steps) - 1
    judged = next((e for e in reversed(record.events) if e.region is not None and e.step is not None), None)
    if judged is None or judged.region is None or judged.step is None:
        return RUNNING, 0, 0
    region = names.index(judged.region)
    step = regions[region].steps.index(judged.step)
    if last.type == "rollback":
        return ROLLED_BACK, region, step
    if last.type == "pause" and last.outcome in _PAUSED:
        return _PAUSED[last.outcome], region, step
    return RUNNING, region, step
