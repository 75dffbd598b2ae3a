"""What the rules' tests share: a policy spec and a document built from a spec."""

from __future__ import annotations

from typing import Any

import yaml

from pipeline.documents import Document
from pipeline.yamlstrict import parse

POLICY_SPEC: dict[str, Any] = {
    "strategy": "canary",
    "rings": [10, 50, 100],
    "regions": [
        {"name": "NA-WEST", "steps": [10, 50, 100], "interval": "PT30M"},
        {"name": "EU-WEST", "steps": [100], "interval": "PT1H"},
    ],
    "analysis": {
        "checks": [
            {
                "name": "churn",
                "query": "q{{revision}}",
                "baseline": "q{{baseline}}",
                "critical": {"relativeIncrease": 0.05},
                "warning": {"relativeIncrease": 0.02},
            }
        ]
    },
}


def doc(kind: str, spec: dict[str, Any], name: str = "x", game: str = "g") -> Document:
    data = {
        "apiVersion": "hotswap/v1",
        "kind": kind,
        "metadata": {"name": name, "game": game, "version": "1.0.0"},
        "spec": spec,
    }
    return Document(f"configs/{game}/{kind}-{name}.yaml", game, parse(yaml.safe_dump(data, sort_keys=False)))
