"""Rules for the checks the sequential judge runs (`test: rate | mean | absolute`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from judge.model import RELATIVE_OPS
from pipeline.documents import Document
from pipeline.durations import parse_duration
from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.policy import (
    METRIC_FIELDS,
    RolloutPolicy,
    check_problem,
    check_spec,
    judge_settings_of,
    policy_from_spec,
)
from pipeline.strategy_names import STRATEGY_NAMES

if TYPE_CHECKING:
    from judge.registry import SequentialTest


def _kind(name: object) -> SequentialTest | None:
    """The test kind a check names (None: the old form, or a name no kind has). Its form rules are
    the kind's (judge.TESTS); the tests load numpy, so only a policy that judges pays it."""
    from judge.registry import TESTS

    return TESTS.get(name) if isinstance(name, str) else None


def _levels(check: dict[str, Any]) -> list[tuple[str, str, float]]:
    return [(level, *next(iter(check[level].items()))) for level in ("critical", "warning") if level in check]


def check_forms(game: GameView) -> Iterator[Finding]:
    """A `test` check names the metrics its test reads and tolerances of its kind; an old-form check
    with a relative threshold is warned about (it compares two point values)."""
    for doc in game.of_kind("RolloutPolicy"):
        analysis = doc.spec["analysis"]
        limit = analysis.get("judge", {}).get("maxDuration")
        if limit is not None and not (parse_duration(limit) or timedelta(0)) > timedelta(0):
            yield doc.spec_finding(
                ("analysis", "judge", "maxDuration"), "policy-judge", f"maxDuration {limit!r} must be longer than zero"
            )
        counter = analysis.get("exposure", {}).get("counter")
        policy = policy_from_spec(game.name, doc.spec)
        for i, check in enumerate(analysis["checks"]):
            base = ("analysis", "checks", i)
            forms = list(_check_form(doc, base, check, counter))
            yield from forms
            if not forms and check.get("test") is not None:
                yield from _judgeable(doc, base, check, policy, i)


def _check_form(
    doc: Document, base: tuple[str | int, ...], check: dict[str, Any], counter: str | None
) -> Iterator[Finding]:
    name, test = check["name"], check.get("test")
    if test is None:
        named = [key for key in (*METRIC_FIELDS, "detect", "expected") if key in check]
        if named:
            yield doc.spec_finding((*base, named[0]), "policy-judge", f"check {name!r}: {named[0]} needs a test")
        if any(op in RELATIVE_OPS for _, op, _ in _levels(check)):
            yield doc.spec_finding(
                base, "policy-judge", f"check {name!r} compares two point values; use test: rate or mean", "warning"
            )
        return
    from judge.registry import lookup

    try:
        kind = lookup(test)
    except ValueError as exc:  # a repository's own schema may allow a name no kind has: nothing judges it
        yield doc.spec_finding((*base, "test"), "policy-judge", f"check {name!r}: {exc}")
        return
    yield from _kind_form(doc, base, check, counter, kind)


def _kind_form(
    doc: Document, base: tuple[str | int, ...], check: dict[str, Any], counter: str | None, kind: SequentialTest
) -> Iterator[Finding]:
    """What the check's kind asks of it: the metrics it reads, the exposure counter, its levels' keys."""
    name, test = check["name"], kind.name
    for key in ("query", "baseline"):
        if key in check:
            yield doc.spec_finding(
                (*base, key), "policy-judge", f"check {name!r}: a {test} check names metrics, not a {key}"
            )
    options = kind.metrics
    have = [option for option in options if any(key in check for key in option)]
    if len(have) != 1 or not all(key in check for key in have[0]):
        wanted = " or ".join(" + ".join(option) for option in options)
        yield doc.spec_finding(base, "policy-judge", f"check {name!r}: a {test} check needs {wanted}")
    allowed = {key for option in options for key in option}
    for key in METRIC_FIELDS:
        if key in check and key not in allowed:
            yield doc.spec_finding((*base, key), "policy-judge", f"check {name!r}: a {test} check has no {key}")
    if kind.exposure and counter is None:
        yield doc.spec_finding(
            base, "policy-judge", f"check {name!r}: a {test} check needs analysis.exposure.counter (player-seconds)"
        )
    for level, op, _ in _levels(check):
        if op not in kind.ops:
            yield doc.spec_finding(
                (*base, level),
                "policy-judge",
                f"check {name!r}: a {test} check takes {' or '.join(kind.ops)}, not {op}",
            )
    ops = {op for _, op, _ in _levels(check)}
    if len(ops) == 2 and ops <= set(kind.ops):
        yield doc.spec_finding(base, "policy-judge", f"check {name!r}: critical and warning must point the same way")


def _judgeable(
    doc: Document, base: tuple[str | int, ...], raw: dict[str, Any], policy: RolloutPolicy, index: int
) -> Iterator[Finding]:
    """A well-formed judged check is one the judge can judge: its tolerances and its detect effect
    (beyond the tolerance it is measured against) pass the judge's own rules."""
    problem = check_problem(policy, policy.checks[index])
    if problem is not None:
        level = "critical" if "critical" in raw else "warning"
        yield doc.spec_finding(
            (*base, "detect" if problem.field == "detect" else level), "policy-judge", problem.message
        )


def holdback(game: GameView) -> Iterator[Finding]:
    """A region whose steps are all 100 has no cohort left on the previous release: relative checks
    cannot judge it (only absolute ones do). Ship a holdback step (e.g. [90, 100]). Blue-green judges
    each region's green pool against blue before its switch, so it needs none."""
    for doc in game.of_kind("RolloutPolicy"):
        checks = doc.spec["analysis"]["checks"]
        relative = [c["name"] for c in checks if (kind := _kind(c.get("test"))) is not None and kind.relative]
        strategy = STRATEGY_NAMES.get(doc.spec["strategy"])
        if not relative or (strategy is not None and strategy.own_baseline):
            continue
        for r, region in enumerate(doc.spec["regions"]):
            if all(step >= 100 for step in region["steps"]):
                yield doc.spec_finding(
                    ("regions", r, "steps"),
                    "policy-holdback",
                    f"region {region['name']}: no step below 100, so {', '.join(relative)} cannot judge it"
                    " (no baseline cohort); add a holdback step such as [90, 100]",
                    "warning",
                )


def detect_reachable(game: GameView) -> Iterator[Finding]:
    """A check with `expected` (events, or samples, per interval across all of a region's servers)
    can reach its detect effect within maxDuration at a region's first step, in every region."""
    for doc in game.of_kind("RolloutPolicy"):
        policy = policy_from_spec(game.name, doc.spec)
        if _malformed(policy):
            continue  # policy-judge reports it
        for i, check in enumerate(policy.checks):
            if check.expected is None or check.test is None:
                continue
            for problem in _unreachable(policy, i):
                yield doc.spec_finding(("analysis", "checks", i, "expected"), "policy-detect", problem)


def _malformed(policy: RolloutPolicy) -> bool:
    return any(check_problem(policy, check) is not None for check in policy.judged)


def _unreachable(policy: RolloutPolicy, index: int) -> Iterator[str]:
    # numpy, through the judge: loaded only for policies that judge
    from judge import requirement, unreachable
    from pipeline.hold_times import expected_at

    check = policy.checks[index]
    assert check.expected is not None
    spec = check_spec(check)
    settings = judge_settings_of(policy)
    for region in policy.regions:
        first = region.steps[0]
        # `expected` is the whole region's pace; the step's cohorts split it by their share of servers
        expected = expected_at(spec, check.expected, first)
        if region.interval <= timedelta(0) or expected is None:
            continue  # policy-interval reports the interval; policy-holdback the missing baseline cohort
        needed = requirement(spec, expected, settings, len(policy.judged))
        problem = unreachable(needed, policy.judge.max_duration / region.interval, f"{region.name}/{first}%")
        if problem is not None:
            yield problem
