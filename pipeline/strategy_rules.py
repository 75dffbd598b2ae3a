"""`spec.strategies`, `spec.freeze` and `spec.notBefore` of a RolloutPolicy as typed, immutable values
(built from a schema-valid spec; pipeline.rules.strategies judges what a schema cannot)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contract.instants import parse_instant
from pipeline.durations import parse_duration
from pipeline.globs import glob_match


@dataclass(frozen=True)
class Match:
    """Which touched files a rule covers: a file whose kind is listed or whose path matches a glob.
    `only`: the rule applies only when every touched file matches it."""

    kinds: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    only: bool = False

    def covers(self, path: str, kind: str | None) -> bool:
        return (kind is not None and kind in self.kinds) or any(glob_match(p, path) for p in self.paths)

    def describe(self) -> str:
        return ", ".join((*self.kinds, *self.paths))


@dataclass(frozen=True)
class RegionOverride:
    steps: tuple[int, ...] | None = None
    interval: timedelta | None = None
    approval: bool | None = None


@dataclass(frozen=True)
class StrategyRule:
    match: Match
    strategy: str
    name: str = ""
    approval: bool | None = None  # every region's gate; a region override wins
    regions: tuple[tuple[str, RegionOverride], ...] = ()
    checks: tuple[str, ...] | None = None  # a subset of analysis.checks by name
    interval: timedelta | None = None  # every region's interval; a region override wins

    def region(self, name: str) -> RegionOverride:
        return next((o for n, o in self.regions if n == name), RegionOverride())


@dataclass(frozen=True)
class FreezeWindow:
    start: datetime
    end: datetime
    reason: str

    def contains(self, now: datetime) -> bool:
        return self.start <= now < self.end


def windows_crossed(windows: Iterable[FreezeWindow], now: datetime, span: timedelta) -> tuple[FreezeWindow, ...]:
    """The windows in force now or starting before `now + span` (a rollout's minimum duration)."""
    return tuple(w for w in sorted(windows, key=lambda w: w.start) if w.end > now and w.start < now + span)


def _approval(value: object) -> bool | None:
    return None if value is None else value == "required"


def strategies_from_spec(spec: dict[str, Any]) -> tuple[StrategyRule, ...]:
    rules = []
    for raw in spec.get("strategies", ()):
        match = raw["match"]
        analysis = raw.get("analysis", {})
        rules.append(
            StrategyRule(
                match=Match(tuple(match.get("kinds", ())), tuple(match.get("paths", ())), bool(match.get("only"))),
                strategy=raw["strategy"],
                name=raw.get("name", ""),
                approval=_approval(raw.get("approval")),
                regions=tuple(
                    (
                        name,
                        RegionOverride(
                            tuple(o["steps"]) if "steps" in o else None,
                            parse_duration(o["interval"]) if "interval" in o else None,
                            _approval(o.get("approval")),
                        ),
                    )
                    for name, o in raw.get("regions", {}).items()
                ),
                checks=tuple(analysis["checks"]) if "checks" in analysis else None,
                interval=parse_duration(analysis["interval"]) if "interval" in analysis else None,
            )
        )
    return tuple(rules)


def freeze_from_spec(spec: dict[str, Any]) -> tuple[FreezeWindow, ...]:
    windows = []
    for raw in spec.get("freeze", ()):
        start, end = parse_instant(raw["start"]), parse_instant(raw["end"])
        if start is not None and end is not None and end > start:  # validate reports the others
            windows.append(FreezeWindow(start, end, raw["reason"]))
    return tuple(windows)


def not_before_from_spec(spec: dict[str, Any]) -> datetime | None:
    return parse_instant(spec.get("notBefore"))
