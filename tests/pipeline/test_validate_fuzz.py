"""No input escapes as an exception: mutated shipped configs end in findings or success, through
`validate` and every reporter (issue 11). A short seeded budget runs in the suite; raise
HOTSWAP_FUZZ_EXAMPLES for a longer hunt."""

from __future__ import annotations

import io
import os
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.documents import SourceFile, load
from pipeline.reporters import REPORTERS
from pipeline.validate import ValidationResult, validate
from tests.pipeline.fixtures import SCHEMAS, SHIPPED, Hang, hang_guard

EXAMPLES = int(os.environ.get("HOTSWAP_FUZZ_EXAMPLES", "40"))
# A hang guard, not a timing assertion: one example takes well under a second; only a loop that
# never ends (or a pathological backtrack) reaches this.
HANG_SECONDS = 60

METACHARACTERS = [
    ":",
    ": ",
    "- ",
    "-",
    "{",
    "}",
    "[",
    "]",
    ",",
    "? ",
    "?",
    "&a ",
    "*a",
    "*a ",
    "!",
    "!!str ",
    "!!float ",
    "!!python/object ",
    "!custom ",
    "|",
    "|-\n",
    ">",
    "#",
    "'",
    '"',
    "\\",
    "\t",
    "\n",
    "\r",
    "%",
    "@",
    "`",
    "<<: ",
    "<<: *a\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n---\n",
    "\ufeff",
    "\x00",
    "\x7f",
    "\u0085",
    "\ufffe",
    "\u2028",
    "\u2029",
    "\r\n",
    "~",
    "null",
    "yes",
    "on",
    "0x",
    "0o",
    ".inf",
    ".nan",
    "1e",
    '"\\u',
    "'''",
]
HUGE_NUMBERS = [
    "9" * 4301,
    "-" + "1" * 5000,
    "!!float 1" + "0" * 309,
    "0x" + "f" * 3575,
    "0o" + "7" * 3000,
    "1" + "0" * 309,
    "1e999",
    "-1e999",
    "!!int " + "9" * 400,
    "0." + "0" * 5000 + "1",
]
# What an editor or another OS may end a line with. libyaml (YAML 1.1) counts all five as line
# breaks, YAML 1.2 only the first two; the grammar checks must count lines as libyaml does.
LINE_BREAKS = ["\r", "\r\n", "\x85", "\u2028", "\u2029"]
# A `?` anywhere makes the loader check every scalar in a flow collection against the source line
# libyaml names: on its own kind, it meets a stray line break often enough to find a mismatch.
KINDS = ("flip", "insert", "duplicate-line", "number", "nesting", "unicode", "delete", "line-break", "line-end", "?")


def _nesting(depth: int, flow: bool) -> str:
    if flow:
        return "[" * depth + "]" * depth
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "v"


@st.composite
def mutation(draw: st.DrawFn, size: int) -> tuple[str, int, bytes]:
    """(kind, position, payload) for one edit of a file of `size` bytes."""
    at = draw(st.integers(0, max(size, 1)))
    kind = draw(st.sampled_from(KINDS))
    payload: bytes = b""
    if kind == "flip":
        payload = bytes([draw(st.integers(0, 255))])
    elif kind == "insert":
        payload = draw(st.sampled_from(METACHARACTERS)).encode("utf-8", "surrogatepass")
    elif kind == "number":
        payload = draw(st.sampled_from(HUGE_NUMBERS)).encode()
    elif kind == "nesting":
        payload = _nesting(draw(st.integers(1, 300)), draw(st.booleans())).encode()
    elif kind == "unicode":
        payload = draw(st.text(min_size=1, max_size=12)).encode("utf-8", "surrogatepass")
    elif kind == "delete":
        payload = bytes(draw(st.integers(1, 40)))
    elif kind in ("line-break", "line-end"):
        payload = draw(st.sampled_from(LINE_BREAKS)).encode()
    elif kind == "?":
        payload = draw(st.sampled_from([b"?", b"? ", b"# ?"]))
    return kind, at, payload


def apply(data: bytes, kind: str, at: int, payload: bytes) -> bytes:
    at = min(at, len(data))
    if kind == "flip":
        return data[:at] + payload + data[at + 1 :]
    if kind == "delete":
        return data[:at] + data[at + len(payload) :]
    if kind == "line-end":
        # End the line `at` is on with another line break (a flow collection's, a comment's...).
        end = data.find(b"\n", at)
        return data if end < 0 else data[:end] + payload + data[end + 1 :]
    if kind == "duplicate-line":
        lines = data.split(b"\n")
        line = at % max(len(lines), 1)
        return b"\n".join([*lines[: line + 1], lines[line], *lines[line + 1 :]])
    if kind == "number":
        # Replace the next number after `at`, or insert where there is none.
        digits = next((i for i in range(at, len(data)) if chr(data[i]).isdigit()), None)
        if digits is None:
            return data[:at] + payload + data[at:]
        end = digits
        while end < len(data) and chr(data[end]).isdigit():
            end += 1
        return data[:digits] + payload + data[end:]
    return data[:at] + payload + data[at:]


@st.composite
def mutated_repository(draw: st.DrawFn) -> tuple[SourceFile, ...]:
    index = draw(st.integers(0, len(SHIPPED) - 1))
    target = SHIPPED[index]
    data = target.data
    for _ in range(draw(st.integers(1, 4))):
        data = apply(data, *draw(mutation(len(data))))
    return (*SHIPPED[:index], SourceFile(target.path, data), *SHIPPED[index + 1 :])


def check_everything(sources: tuple[SourceFile, ...]) -> ValidationResult:
    """validate and every reporter; each finding has a real position. Returns the result."""
    with hang_guard(HANG_SECONDS):
        result = validate(sources, SCHEMAS)
        for name, reporter in REPORTERS.items():
            out = io.StringIO()
            reporter(result, out)
            assert out.getvalue(), name
    for finding in result.findings:
        assert finding.line >= 1 and finding.column >= 1, finding
    return result


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_repository())
def test_mutated_configs_end_in_findings_or_success(sources: tuple[SourceFile, ...]) -> None:
    result = check_everything(sources)
    assert result.ok or result.errors > 0


@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None)
@given(mutated_repository())
def test_the_fast_validator_never_passes_what_jsonschema_rejects(sources: tuple[SourceFile, ...]) -> None:
    """jsonschema-rs decides "valid" alone: it must never accept what jsonschema would reject."""
    for source in set(sources) - set(SHIPPED):
        doc = load(source).document
        if doc is None:
            continue
        name = doc.kind if doc.kind in SCHEMAS.schemas else "Envelope"
        fast = SCHEMAS.fast[name]
        if fast.is_valid(doc.data):
            assert not list(SCHEMAS.slow(name).iter_errors(doc.data)), source.path


WEAPONS = "configs/battle-royale/balance/weapons.yaml"


@pytest.mark.parametrize("number", ["9" * 4301, "!!float 1" + "0" * 309, "0x" + "f" * 3575])
def test_the_issues_numbers_are_findings_in_every_reporter(number: str) -> None:
    sources = tuple(
        SourceFile(s.path, s.data.replace(b"damage: 45", f"damage: {number}".encode(), 1)) if s.path == WEAPONS else s
        for s in SHIPPED
    )
    assert any(s.path == WEAPONS and number.encode() in s.data for s in sources)
    result = check_everything(sources)
    (finding,) = [f for f in result.findings if f.file == WEAPONS]
    assert finding.rule == "number-too-large" and finding.line > 1 and len(finding.message) < 200


def test_the_shipped_configs_pass() -> None:
    """The control: the mutations above start from valid files."""
    assert check_everything(SHIPPED).ok


def test_a_hang_is_stopped_by_the_guard() -> None:
    """The control for the hang guard: a loop that never ends fails instead of stalling the suite."""
    with pytest.raises(Hang), hang_guard(1):
        while True:
            signal.pause()
