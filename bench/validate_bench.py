"""Benchmark: `hotswap validate` against check-jsonschema on the same generated repository.

Generates N config files (default 5,000: 50 games x 100 files, every kind, about 2% invalid),
then in one run times
  - `hotswap validate` over all of them (schemas, semantic rules, line numbers), and
  - check-jsonschema invoked once per kind with that kind's schema over the same files
    (schema only, no line numbers): what a team uses today,
and prints the ratio (hotswap's time is the median of 3 runs). Both must report the same planted
schema errors (so each really checked every file). It also times `hotswap validate --changed-since HEAD` for a one-file change, 3 runs.

    python bench/validate_bench.py [--files N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

from pipeline.yamlstrict import parse

ROOT = Path(__file__).resolve().parent.parent
FILES_PER_GAME = 100
EXTRA_KINDS = ("Performance", "LiveEvent", "AntiCheat")
PACKAGES = ("hotswap", "pipeline")


def _dump(doc: dict[str, object]) -> str:
    # Quote every string: a YAML 1.1 reader would otherwise see `off` in the output as a boolean.
    return yaml.dump(doc, Dumper=_QuotingDumper, sort_keys=False)


class _QuotingDumper(yaml.SafeDumper):
    pass


_QuotingDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def generate(root: Path, total: int) -> dict[str, list[Path]]:
    """Write the repository; returns the files by kind."""
    shutil.copytree(ROOT / "schemas", root / "schemas")
    # Read with HotSwap's own YAML 1.2 parser: PyYAML's YAML 1.1 would turn `shadows: off` into false.
    base_docs = [parse(p.read_text()).value for p in sorted((ROOT / "configs" / "battle-royale").rglob("*.yaml"))]
    extras = {d["kind"]: d for d in base_docs if d["kind"] in EXTRA_KINDS}
    by_kind: dict[str, list[Path]] = defaultdict(list)
    games = max(1, total // FILES_PER_GAME)
    written = 0
    for g in range(games):
        game = f"game-{g:03d}"
        folder = root / "configs" / game
        folder.mkdir(parents=True)
        per_game = total - written if g == games - 1 else FILES_PER_GAME  # the last game takes the rest
        docs = []
        for doc in base_docs:
            docs.append(dict(doc, metadata=dict(doc["metadata"], game=game)))
        i = 0
        while len(docs) < per_game:
            kind = EXTRA_KINDS[i % len(EXTRA_KINDS)]
            template = extras[kind]
            spec = copy.deepcopy(template["spec"])
            if i % 50 == 7:  # about 2% invalid, each kind its own way
                if kind == "Performance":
                    spec["server"]["tickRate"] = 0
                elif kind == "LiveEvent":
                    spec["regions"] = ["MARS"]
                else:
                    spec["detections"]["aimbot"]["threshold"] = 2
            docs.append(
                dict(template, metadata=dict(template["metadata"], game=game, name=f"{kind.lower()}-{i}"), spec=spec)
            )
            i += 1
        for n, doc in enumerate(docs):
            path = folder / f"{n:03d}-{doc['metadata']['name']}.yaml"
            path.write_text(_dump(doc))
            by_kind[doc["kind"]].append(path)
        written += len(docs)
    return by_kind


def timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"{argv[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, result


def schema_invalid(by_kind: dict[str, list[Path]]) -> list[Path]:
    """The planted files that break their schema (the LiveEvent ones break a rule only)."""
    return [p for kind in ("Performance", "AntiCheat") for p in by_kind[kind] if p.stem.endswith(_PLANTED)]


# Planted invalid documents are those numbered i % 50 == 7 (see generate).
_PLANTED = tuple(f"-{i}" for i in range(7, 10_000, 50))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="hotswap-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        by_kind = generate(work, args.files)
        count = sum(len(v) for v in by_kind.values())
        bin_dir = Path(sys.executable).parent
        hotswap = [str(bin_dir / "hotswap")] if (bin_dir / "hotswap").exists() else [sys.executable, "-m", "hotswap"]
        cjs = (
            [str(bin_dir / "check-jsonschema")]
            if (bin_dir / "check-jsonschema").exists()
            else [sys.executable, "-m", "check_jsonschema"]
        )

        # As installed, hotswap runs from compiled bytecode, like check-jsonschema from site-packages;
        # an editable checkout under PYTHONDONTWRITEBYTECODE would recompile its modules every run.
        subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(ROOT / p) for p in PACKAGES)], check=True)
        # Three runs, each a new process with nothing cached, and their median: a run of a few
        # seconds is swayed by other jobs on a shared machine far more than the peer's minute.
        ours_runs = []
        for _ in range(3):
            seconds, run = timed([*hotswap, "validate", "--root", str(work), "--format", "json"], work)
            ours_runs.append(seconds)
        ours = statistics.median(ours_runs)
        report = json.loads(run.stdout)
        flagged = {f["file"] for f in report["findings"] if f["rule"] == "schema"}
        planted = {p.relative_to(work).as_posix() for p in schema_invalid(by_kind)}
        if report["summary"]["files"] != count or flagged != planted:
            sys.exit(f"hotswap did not check every file or missed planted errors: {report['summary']}")
        print(f"files: {count} in {len(list((work / 'configs').iterdir()))} games")
        shown_runs = ", ".join(f"{r:.2f}" for r in ours_runs)
        print(f"hotswap validate (schemas + rules + line numbers): {ours:.2f} s, median of {shown_runs}")

        peer = 0.0
        peer_flagged: set[str] = set()
        for kind, paths in sorted(by_kind.items()):
            seconds, run = timed(
                [*cjs, "--schemafile", str(work / "schemas" / f"{kind}.schema.json"), *map(str, paths)], work
            )
            peer += seconds
            peer_flagged.update(p for p in planted if p in run.stdout)
        # The peer really ran: it names every planted schema error, as hotswap does.
        if peer_flagged != planted:
            sys.exit(f"check-jsonschema missed {len(planted - peer_flagged)} planted schema errors: did it run?")
        print(f"check-jsonschema, once per kind ({len(by_kind)} runs, schema only): {peer:.2f} s")
        print(f"both report the same {len(planted)} files with schema errors")
        print(f"ratio: hotswap is {peer / ours:.2f}x the speed of check-jsonschema")

        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        subprocess.run([*git, "init", "-q", "-b", "main"], cwd=work, check=True)
        subprocess.run([*git, "add", "-A"], cwd=work, check=True)
        subprocess.run([*git, "commit", "-q", "-m", "bench"], cwd=work, check=True)
        target = by_kind["Performance"][0]
        before = target.read_text()
        target.write_text(before.replace('"tickRate": 30', '"tickRate": 31', 1))
        if target.read_text() == before:  # the dumper's spelling changed: the figure would time no change
            sys.exit(f"bench: could not change {target}")
        runs = []
        for _ in range(3):
            changed, run = timed([*hotswap, "validate", "--root", str(work), "--changed-since", "HEAD"], work)
            if "1 file" not in run.stdout:
                sys.exit(f"--changed-since did not check the one changed file: {run.stdout}")
            runs.append(changed)
        shown = ", ".join(f"{r:.2f}" for r in runs)
        print(f"hotswap validate --changed-since HEAD, one file changed: {shown} s (3 runs, process start included)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
