"""Regenerate this folder from a checkout of the yaml-test-suite's `src/` files (MIT, see License).

    python tests/data/yaml-test-suite/regenerate.py PATH/TO/yaml-test-suite

Follows the suite's own `bin/suite-to-data.pl`: each `src/ID.yaml` holds one case or several
(numbered ID-00, ID-01, ...); a later case inherits `yaml` and `json` from the one before unless it
gives its own (`json: null` clears it; `fail` is never inherited), and the visible markers (a trailing-space sign, tab arrows, end-of-input sign ...) become the
characters they stand for. Only what tests/pipeline/test_yaml_suite.py needs is written: `in.yaml`,
`in.json` for valid cases that have one, and an empty `error` file for cases that must fail.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def unescape(text: str) -> str:
    text = text.replace("\u2423", " ")  # open box: a trailing space
    text = re.sub("\u2014*\u00bb", "\t", text)  # em dashes then a guillemet: a tab
    text = text.replace("\u2190", "\r").replace("\u21d4", "\ufeff").replace("\u21b5", "")
    if text.endswith("\u220e\n"):  # end of proof: no final newline
        text = text[: -len("\u220e\n")]
    return text


def cases(source: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((source / "src").glob("*.yaml")):
        items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        if items[0].get("skip"):
            continue
        width = len(str(len(items) - 1)) + 1 if len(items) > 1 else 0
        text: str | None = None
        json: str | None = None
        for number, item in enumerate(items):
            case_id = f"{path.stem}-{number:0{width}d}" if width else path.stem
            text = item.get("yaml", text)
            json = item.get("json", json)
            assert text is not None, case_id
            out[case_id] = {"yaml": unescape(text), "fail": bool(item.get("fail")), "json": json}
    return out


def main(source: Path) -> None:
    for child in HERE.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    shutil.copy(source / "License", HERE / "License")
    for case_id, case in cases(source).items():
        folder = HERE / case_id
        folder.mkdir()
        (folder / "in.yaml").write_bytes(case["yaml"].encode("utf-8"))
        if case["fail"]:
            (folder / "error").write_bytes(b"")
        elif case["json"] is not None:
            (folder / "in.json").write_bytes(unescape(case["json"]).encode("utf-8"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
