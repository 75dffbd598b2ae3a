from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.game import GameView
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
        for i, check in enumerate(doc.spec["analysis"]["checks"]):
            for key in ("query", "baseline"):
                if key in check:
                    for problem in template_problems(check[key], POLICY_VARIABLES):
                        yield doc.spec_finding(
                            ("analysis", "checks", i, key),
                            "query-variables",
                            f"check {check['name']!r} {key}: {problem}",
                        )
        exposure = doc.spec["analysis"].get("exposure")
        if exposure is not None and "query" in exposure:
            for problem in template_problems(exposure["query"], POLICY_VARIABLES):
                yield doc.spec_finding(
                    ("analysis", "exposure", "query"), "query-variables", f"exposure query: {problem}"
                )
    for doc in game.of_kind("Experiment"):
        for problem in template_problems(doc.spec["metric"]["query"], EXPERIMENT_VARIABLES):
            yield doc.spec_finding(("metric", "query"), "query-variables", f"metric query: {problem}")
