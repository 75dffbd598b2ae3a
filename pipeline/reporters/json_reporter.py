from __future__ import annotations

import json
from typing import TextIO

from pipeline.validate import ValidationResult

FORMAT_VERSION = 1


def as_dict(result: ValidationResult) -> dict[str, object]:
    return {
        "version": FORMAT_VERSION,
        "ok": result.ok,
        "summary": {
            "files": len(result.files),
            "documents": result.documents,
            "games": list(result.games),
            "errors": result.errors,
            "warnings": result.warnings,
        },
        "findings": [f.as_dict() for f in result.findings],
    }


def report(result: ValidationResult, out: TextIO) -> None:
    json.dump(as_dict(result), out, indent=2)
    out.write("\n")
