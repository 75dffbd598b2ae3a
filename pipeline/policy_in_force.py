"""The RolloutPolicy a game's files hold, read to bound a release by the policy in force
(pipeline.policy_bound): what ring-100 serves, or for `hotswap plan` the last release."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.documents import SourceFile
from pipeline.policy import RolloutPolicy, policy_from_spec
from pipeline.schemas import SchemaSet
from pipeline.validate import validate
from pipeline.yamlstrict import LoadLimits


def policy_in(
    sources: Sequence[SourceFile], game: str, schema_sets: Sequence[SchemaSet], limits: LoadLimits
) -> RolloutPolicy | None:
    """The one valid RolloutPolicy among `sources`, judged by the first schema set that accepts it.
    Several sets, because a release may change the schemas: the files in force were valid when they
    were released, and a release must not escape its bound by making them invalid now."""
    for schemas in schema_sets:
        try:
            result = validate(list(sources), schemas, limits)
        except Exception:  # a loader that raises reads nothing here; the next set may
            continue
        policies = [d for d in result.parsed if d.kind == "RolloutPolicy"]
        if len(policies) != 1:
            continue
        doc = policies[0]
        if not any(f.file == doc.file and f.severity == "error" for f in result.findings):
            return policy_from_spec(game, doc.spec)
    return None
