"""hotswap report-pr --pr N --base REV [--sha SHA]: one comment on the pull request, created once
and edited on every push, with the validation summary, the semantic diff and the rollout plan
(the markdown formats of `validate`, `diff` and `plan`), and a commit status `hotswap/validate`."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
from pathlib import Path

from hotswap.errors import EXIT_OK, EnvironmentProblem, UsageError
from pipeline import gitsource
from promoter.github.port import GitHubSettings, GitHubSettingsError, GitHubUnavailable

MARKER = "<!-- hotswap:report -->"
CONTEXT = "hotswap/validate"
MAX_COMMENT = 60_000  # GitHub refuses comments over 65,536 characters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pr", type=int, required=True, help="pull request number")
    parser.add_argument("--base", required=True, help="the pull request's base commit")
    parser.add_argument("--sha", help="commit to put the status on (default: HEAD; in Actions, the PR's head sha)")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the checked-out repository (default: .)")
    parser.add_argument(
        "--repository", help="owner/name on GitHub (default: $GITHUB_REPOSITORY); the token is $GITHUB_TOKEN"
    )


def _capture(argv: list[str]) -> tuple[int, str]:
    from hotswap.main import build_parser  # the same commands, flags and output as on the command line

    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"hotswap.commands.{args.command}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = int(module.run(args))
    return code, out.getvalue()


def report_body(repo: Path, base: str) -> tuple[int, str]:
    """The comment's text, and the validation's exit code."""
    code, validation = _capture(["validate", "--root", str(repo), "--changed-since", base, "--format", "markdown"])
    _, diff = _capture(["diff", base, "HEAD", "--repo", str(repo), "--format", "markdown"])
    _, plan = _capture(["plan", "--base", base, "--repo", str(repo), "--format", "markdown"])
    body = "\n\n".join((MARKER, validation.strip(), diff.strip(), plan.strip()))
    if len(body) > MAX_COMMENT:
        body = body[:MAX_COMMENT] + "\n\n… cut here: the full report is in the workflow run's summary.\n"
    return code, body + "\n"


def run(args: argparse.Namespace) -> int:
    try:
        settings = GitHubSettings.from_env(repository=args.repository)
    except GitHubSettingsError as exc:
        raise UsageError(str(exc)) from None
    if settings is None:
        raise UsageError(
            "no GitHub token: set GITHUB_TOKEN (in Actions: permissions pull-requests and statuses: write)"
        )
    try:
        sha = args.sha or str(gitsource.resolve(gitsource.open_repo(args.repo), "HEAD").id)
    except gitsource.GitSourceError as exc:
        raise UsageError(str(exc)) from None
    if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha):
        raise UsageError(f"--sha must be a full 40-hex commit id, not {sha!r}")
    code, body = report_body(args.repo, args.base)
    summary = next((ln for ln in body.splitlines()[1:] if ln and not ln.startswith(("#", "<"))), "")
    run_url = None
    if os.environ.get("GITHUB_RUN_ID") and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        run_url = f"{server}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    from promoter.github.client import GitHubClient  # github3 is loaded only when it is used

    github = GitHubClient(settings)
    try:
        comment = github.upsert_comment(args.pr, MARKER, body)
        github.commit_status(sha, "success" if code == EXIT_OK else "failure", CONTEXT, summary, run_url)
    except GitHubUnavailable as exc:
        raise EnvironmentProblem(str(exc)) from None
    print(f"reported on #{args.pr} (comment {comment}); {CONTEXT}: {'success' if code == EXIT_OK else 'failure'}")
    return EXIT_OK
