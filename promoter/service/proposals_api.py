"""`POST /api/v1/game-configs` (admin): a config change becomes a branch (and a pull request when
GitHub is configured), validated before it is pushed; main is never written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from contract.refs import MAIN_REF
from contract.text import FreeTextError, check_free_text
from pipeline.documents import game_of
from pipeline.validate import validate
from pipeline.yamlstrict import DEFAULT_LIMITS
from promoter.git import writer
from promoter.git.writer import Plan
from promoter.github.branches import UnusableBranch, check_proposal_branch
from promoter.github.port import GitHubUnavailable
from promoter.gitio import PushRejected, RefUpdate
from promoter.service.auth import Principal
from promoter.service.deps import Admin, JsonObject, ServiceDep, error
from promoter.service.proposal_paths import path_clash, path_problem
from promoter.service.state import Service

router = APIRouter()


@router.post("/api/v1/game-configs")
async def propose(service: ServiceDep, who: Admin, data: JsonObject) -> Any:
    path, content = data.get("path"), data.get("content")
    fields = {}
    problem = path_problem(path) if isinstance(path, str) else "required, a string"
    if problem:
        fields["path"] = f"configs/<game>/<name>.yaml (or .yml, .json): {problem}"
    if not isinstance(content, str):
        fields["content"] = "required: the document as text"
    try:  # the token's subject is written into the commit (Proposed-By)
        check_free_text("by", who.subject)
    except FreeTextError as exc:
        fields["by"] = str(exc)
    if fields:
        return error(422, "invalid request", fields=fields)
    assert isinstance(path, str) and isinstance(content, str)
    return await run_in_threadpool(propose_now, service, path, content, who)


def propose_now(service: Service, path: str, content: str, who: Principal) -> Any:
    with service.lock:
        service.remote.fetch()
        main = service.remote.ref(MAIN_REF)
        if main is None:
            return error(503, "the remote has no main branch")
        commit = service.remote.commit(main)
        game = game_of(path) or ""
        clash = path_clash(commit.tree, path)
        if clash:
            return error(409, clash)
        # Build the commit first and validate ITS tree: what is validated is what is pushed.
        branch, new = service.remote.propose(commit, path, content.encode(), who.subject, datetime.now(UTC))
        built = service.remote.commit(new)
        result = validate(service.remote.game_sources(built, game), service.remote.schemas_for(built), DEFAULT_LIMITS)
        problems = [f for f in result.findings if f.severity == "error"]
        if problems:
            return error(422, "the config is invalid", findings=[f.as_dict() for f in problems])
        existing = service.remote.ref(branch)
        if existing is not None:
            # Its name is predictable: use it only if it is exactly this proposal (README).
            try:
                check_proposal_branch(service.remote, branch.removeprefix("refs/heads/"), path, content.encode())
            except UnusableBranch as exc:
                return error(409, str(exc))
        try:
            # one create-only attempt: a branch someone pushed meanwhile is theirs, not this proposal's
            created = (
                existing is None
                and writer.write(service.remote, lambda: Plan([RefUpdate(branch, new, None)], True), 1).wrote
            )
        except PushRejected as exc:
            return error(502, f"the remote refused the branch: {exc}")
    name, new = branch.removeprefix("refs/heads/"), new if created else (existing or new)
    return _pull_request(service, name, new, created, game, path, who)


def _pull_request(service: Service, name: str, new: str, created: bool, game: str, path: str, who: Principal) -> Any:
    if service.github is None:
        if not created:
            return error(409, "a branch with this change already exists")
        return JSONResponse({"branch": name, "commit": new, "pullRequest": None}, status_code=201)
    # The same content makes the same branch: asking again finds its pull request, or opens it
    # if GitHub could not be reached the first time.
    title = f"{game}: update {path}"
    body = f"Proposed through the HotSwap API by {who.subject}. Validated: no errors.\n"
    try:
        pull = service.github.open_pull(name, "main", title, body)
    except GitHubUnavailable as exc:
        return JSONResponse({"branch": name, "commit": new, "pullRequest": None, "github": str(exc)}, status_code=202)
    return JSONResponse(
        {"branch": name, "commit": new, "pullRequest": {"number": pull.number, "url": pull.url}},
        status_code=201 if created else 200,
    )
