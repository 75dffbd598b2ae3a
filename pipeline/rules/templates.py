from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView
from pipeline.rules.shapes import mapping, records
from pipeline.template import scan

POLICY_VARIABLES = frozenset({"game", "region", "revision", "baseline", "interval"})
EXPERIMENT_VARIABLES = frozenset({"game", "region", "revision", "variant", "interval"})


def template_problems(template: str, allowed: frozenset[str]) -> list[str]:
    scanned = scan(template)
    problems = [
        f"unknown variable {{{{{name[:40]}}}}} (known: {', '.join(sorted(allowed))})"
        for name in scanned.variables
        if name not in allowed
    ]
    if scanned.unbalanced:
        problems.append("unbalanced {{ or }}")
    return problems


def query_variables(game: GameView) -> Iterator[Finding]:
    """Query templates use only the variables the promoter fills in."""
    for doc in game.of_kind("RolloutPolicy"):
        analysis = mapping(doc.spec.get("analysis"))
        for i, check in records(analysis.get("checks")):
            for key in ("query", "baseline"):
                if isinstance(check.get(key), str):
                    for problem in template_problems(check[key], POLICY_VARIABLES):
                        yield doc.spec_finding(
                            ("analysis", "checks", i, key),
                            "query-variables",
                            f"check {check.get('name')!r} {key}: {problem}",
                        )
        exposure = mapping(analysis.get("exposure")).get("query")
        if isinstance(exposure, str):
            for problem in template_problems(exposure, POLICY_VARIABLES):
                yield doc.spec_finding(
                    ("analysis", "exposure", "query"), "query-variables", f"exposure query: {problem}"
                )
    for doc in game.of_kind("Experiment"):
        query = mapping(doc.spec.get("metric")).get("query")
        if isinstance(query, str):
            for problem in template_problems(query, EXPERIMENT_VARIABLES):
                yield doc.spec_finding(("metric", "query"), "query-variables", f"metric query: {problem}")
