"""A local HTTP server speaking the subset of GitHub's REST API that HotSwap uses, the way GitHub
speaks it: JSON shapes with the `url` fields github3.py follows (checked against GitHub's published
OpenAPI description in test_fake_github_shapes.py), 201/200/204 where GitHub answers them, 401
without a token, 404 for what does not exist, 422 on bad input (a second open pull request from
one head, a comment over 65,536 characters), lists newest first where GitHub sorts them so, paged
by Link headers at 30 per page (`per_page` up to 100), the Actions-not-permitted 403 on request,
and faults injectable per route (5xx, rate limits with their headers, any 4xx). Every call is
recorded. Served by uvicorn on a free loopback port under `/api/v3` (a GitHub Enterprise Server's
layout), or at the root (`api_root=""`: github.com's and api.<tenant>.ghe.com's layout)."""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.github.loopback import serving

TOKEN = "ghp_test_token_never_logged"
MAX_COMMENT = 65_536
ACTIONS_MAY_NOT_OPEN = "GitHub Actions is not permitted to create or approve pull requests."
SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)


def _rendered(body: str) -> dict[str, str]:
    """github3.py asks for the `full` media type: GitHub adds the body as HTML and as text."""
    return {"body_html": f"<p>{html.escape(body)}</p>", "body_text": body}


def _node(kind: str, key: object) -> str:
    return f"{kind}_kwDO{abs(hash((kind, key))) % 10**8:08d}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any
    query: str = ""


@dataclass
class Fault:
    """The next `times` calls matching `method` and `path` (a regular expression searched in the path
    below the repository, e.g. "^/pulls$") answer `status` with `message` and `headers`."""

    status: int
    method: str = ""  # any
    path: str = ""  # any
    times: int = 10**6
    message: str = "Server Error"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""  # a regular expression searched in the request's JSON body ("" any)

    def matches(self, method: str, path: str, body: Any = None) -> bool:
        return (
            (not self.method or self.method == method)
            and re.search(self.path, path) is not None
            and (not self.body or re.search(self.body, json.dumps(body, sort_keys=True)) is not None)
        )


@dataclass
class FakeGitHub:
    owner: str = "studio"
    name: str = "configs"
    base: str = ""  # http://127.0.0.1:<port>, set when served
    calls: list[Call] = field(default_factory=list)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> {issue, body, user}
    statuses: list[dict[str, Any]] = field(default_factory=list)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    deployment_statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: set[int] = field(default_factory=set)  # issue numbers that exist (PRs are issues too)
    faults: list[Fault] = field(default_factory=list)
    actions_may_open_pulls: bool = True  # the repository setting "Allow GitHub Actions to create ... pull requests"
    api_root: str = "/api/v3"
    held: threading.Event | None = None  # while set up and not released, calls hang (a stuck GitHub)
    holding: threading.Event = field(default_factory=threading.Event)  # a call is hanging now
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(1000, 10**9)))

    # --- test controls ------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"{self.base}{self.api_root}"

    def fail(self, status: int, times: int = 10**6) -> None:
        """From now on, the next `times` calls answer `status` (500, 502, 503, or 403 as a primary rate limit)."""
        self.heal()
        if status == 403:
            self.rate_limited(times)
        else:
            self.fault(Fault(status, times=times))

    def fault(self, fault: Fault) -> None:
        self.faults.append(fault)

    def refuse(
        self, method: str, path: str, body: str = "", message: str = "Validation Failed", times: int = 10**6
    ) -> None:
        """GitHub refuses these requests for good (422): `path` and `body` are regular expressions
        searched in the path below the repository and in the JSON body, e.g. one game's deployment:
        refuse("POST", "^/deployments$", '"environment": "g1/NA-WEST"', "No ref found for: main")."""
        self.fault(Fault(422, method, path, times, message, body=body))

    def rate_limited(self, times: int = 10**6, reset_in: int = 60) -> None:
        """The primary rate limit is used up: 403 with X-RateLimit-Remaining 0 until the reset."""
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + reset_in)}
        self.fault(Fault(403, times=times, message="API rate limit exceeded for installation.", headers=headers))

    def secondary_limit(self, retry_after: int, method: str = "", path: str = "", times: int = 1) -> None:
        """A secondary rate limit: 403 with Retry-After (GitHub also uses 429)."""
        headers = {"Retry-After": str(retry_after)}
        self.fault(Fault(403, method, path, times, SECONDARY_LIMIT, headers))

    def heal(self) -> None:
        self.faults.clear()

    def hang(self) -> None:
        """Calls hang until `release()`, the way a GitHub that accepts connections but never answers does."""
        self.holding.clear()
        self.held = threading.Event()

    def release(self) -> None:
        if self.held is not None:
            self.held.set()
        self.held = None

    def open_pr(
        self, number: int, title: str = "change", head: str = "feature", body: str = "", commits: tuple[str, ...] = ()
    ) -> None:
        """A pull request that exists before HotSwap looks at it (the one a release came from), with
        the commits it brought to main (what the search API finds it by)."""
        self.issues.add(number)
        self.pulls[number] = self._pull_record(number, title, head, "main", body)
        self.pulls[number]["commits"] = commits

    def close_pr(self, number: int, merged: bool, by: str = "lead") -> None:
        pull = self.pulls[number]
        pull.update(state="closed", merged=merged, closed_at=_now(), merged_at=_now() if merged else None)
        pull["merged_by"] = by if merged else None

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method != "GET"]

    def comments_on(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.values() if c["issue"] == number]

    # --- JSON shapes --------------------------------------------------------------------------

    @property
    def repo_url(self) -> str:
        return f"{self.api}/repos/{self.owner}/{self.name}"

    def user(self, login: str) -> dict[str, Any]:
        url = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": abs(hash(login)) % 10**6,
            "node_id": _node("U", login),
            "avatar_url": f"{self.base}/avatars/{login}",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.base}/{login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": "User",
            "site_admin": False,
        }

    def repository(self) -> dict[str, Any]:
        u = self.repo_url
        templated = {
            "archive_url": "{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "statuses_url": "/statuses/{sha}",
            "trees_url": "/git/trees{/sha}",
        }
        plain = ["contributors", "deployments", "downloads", "events", "forks", "hooks", "languages"]
        plain += ["merges", "stargazers", "subscribers", "subscription", "tags", "teams"]
        data: dict[str, Any] = {key: u + suffix for key, suffix in templated.items()}
        data["archive_url"] = u + "/{archive_format}{/ref}"
        data.update({f"{key}_url": f"{u}/{key}" for key in plain})
        data.update(
            {
                "id": 4242,
                "node_id": _node("R", self.name),
                "name": self.name,
                "full_name": f"{self.owner}/{self.name}",
                "owner": self.user(self.owner),
                "private": True,
                "html_url": f"{self.base}/{self.owner}/{self.name}",
                "description": "game configs",
                "fork": False,
                "url": u,
                "archived": False,
                "clone_url": f"{self.base}/{self.owner}/{self.name}.git",
                "git_url": f"git://example/{self.owner}/{self.name}.git",
                "ssh_url": f"git@example:{self.owner}/{self.name}.git",
                "svn_url": f"{self.base}/{self.owner}/{self.name}",
                "mirror_url": None,
                "homepage": None,
                "language": None,
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": _now(),
                "pushed_at": _now(),
                "default_branch": "main",
                "forks_count": 0,
                "forks": 0,
                "open_issues": 0,
                "watchers": 0,
                "disabled": False,
                "license": None,
                "has_discussions": False,
                "stargazers_count": 0,
                "watchers_count": 0,
                "subscribers_count": 0,
                "network_count": 0,
                "open_issues_count": 0,
                "size": 1,
                "has_downloads": True,
                "has_issues": True,
                "has_pages": False,
                "has_projects": False,
                "has_wiki": False,
                "permissions": {"admin": False, "push": True, "pull": True},
            }
        )
        return data

    def issue(self, number: int) -> dict[str, Any]:
        u = f"{self.repo_url}/issues/{number}"
        pull = self.pulls.get(number)
        return {
            "id": number + 50_000,
            "node_id": _node("I", number),
            "number": number,
            "url": u,
            "repository_url": self.repo_url,
            "html_url": f"{self.base}/{self.owner}/{self.name}/pull/{number}",
            "comments_url": f"{u}/comments",
            "events_url": f"{u}/events",
            "labels_url": f"{u}/labels{{/name}}",
            "title": pull["title"] if pull else f"issue {number}",
            "body": pull["body"] if pull else "",
            **_rendered(pull["body"] if pull else ""),
            "closed_by": None,
            "state": pull["state"] if pull else "open",
            "user": self.user("dev"),
            "labels": [],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "author_association": "MEMBER",
            "comments": len(self.comments_on(number)),
            "closed_at": None,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": _now(),
        } | ({"pull_request": self._pull_link(number)} if pull else {})

    def _pull_link(self, number: int) -> dict[str, Any]:
        html = f"{self.base}/{self.owner}/{self.name}/pull/{number}"
        return {
            "url": f"{self.repo_url}/pulls/{number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": self.pulls[number]["merged_at"],
        }

    def comment(self, cid: int) -> dict[str, Any]:
        c = self.comments[cid]
        return {
            "id": cid,
            "node_id": _node("IC", cid),
            "url": f"{self.repo_url}/issues/comments/{cid}",
            "html_url": f"{self.base}/{self.owner}/{self.name}/pull/{c['issue']}#issuecomment-{cid}",
            "issue_url": f"{self.repo_url}/issues/{c['issue']}",
            "body": c["body"],
            **_rendered(c["body"]),
            "user": self.user(c["user"]),
            "author_association": "NONE",
            "created_at": c["created_at"],
            "updated_at": c["updated_at"],
        }

    def _pull_record(self, number: int, title: str, head: str, base: str, body: str) -> dict[str, Any]:
        return {
            "number": number,
            "title": title,
            "head": head,
            "base": base,
            "body": body,
            "state": "open",
            "merged": False,
            "merged_by": None,
            "closed_at": None,
            "merged_at": None,
            "created_at": _now(),
        }

    def pull(self, number: int) -> dict[str, Any]:
        p = self.pulls[number]
        u = f"{self.repo_url}/pulls/{number}"
        html = f"{self.base}/{self.owner}/{self.name}/pull/{number}"

        def end(ref: str) -> dict[str, Any]:
            return {
                "label": f"{self.owner}:{ref}",
                "ref": ref,
                "sha": "0" * 40,
                "user": self.user(self.owner),
                "repo": self.repository(),
            }

        return {
            "id": number + 90_000,
            "node_id": _node("PR", number),
            "number": number,
            "url": u,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{self.repo_url}/issues/{number}",
            "commits_url": f"{u}/commits",
            "review_comments_url": f"{u}/comments",
            "review_comment_url": f"{self.repo_url}/pulls/comments{{/number}}",
            "comments_url": f"{self.repo_url}/issues/{number}/comments",
            "statuses_url": f"{self.repo_url}/statuses/{'0' * 40}",
            "_links": {
                "self": {"href": u},
                "html": {"href": html},
                "issue": {"href": f"{self.repo_url}/issues/{number}"},
                "comments": {"href": f"{self.repo_url}/issues/{number}/comments"},
                "review_comments": {"href": f"{u}/comments"},
                "review_comment": {"href": f"{self.repo_url}/pulls/comments{{/number}}"},
                "commits": {"href": f"{u}/commits"},
                "statuses": {"href": f"{self.repo_url}/statuses/{'0' * 40}"},
            },
            "labels": [],
            "milestone": None,
            "auto_merge": None,
            "maintainer_can_modify": False,
            "state": p["state"],
            "title": p["title"],
            "body": p["body"],
            **_rendered(p["body"]),
            "user": self.user("hotswap"),
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "locked": False,
            "active_lock_reason": None,
            "head": end(p["head"]),
            "base": end(p["base"]),
            "merged": p["merged"],
            "merged_by": self.user(p["merged_by"]) if p["merged_by"] else None,
            "merge_commit_sha": None,
            "mergeable": True,
            "mergeable_state": "clean",
            "merged_at": p["merged_at"],
            "closed_at": p["closed_at"],
            "created_at": p["created_at"],
            "updated_at": _now(),
            "author_association": "NONE",
            "draft": False,
            "comments": 0,
            "review_comments": 0,
            "commits": 1,
            "additions": 1,
            "deletions": 0,
            "changed_files": 1,
        }

    def deployment(self, did: int) -> dict[str, Any]:
        d = self.deployments[did]
        u = f"{self.repo_url}/deployments/{did}"
        return {
            "id": did,
            "node_id": _node("DE", did),
            "url": u,
            "statuses_url": f"{u}/statuses",
            "repository_url": self.repo_url,
            "sha": d["ref"] if len(d["ref"]) == 40 else "0" * 40,
            "ref": d["ref"],
            "task": "deploy",
            "payload": d["payload"],
            "environment": d["environment"],
            "description": d["description"],
            "creator": self.user("hotswap"),
            "created_at": d["created_at"],
            "updated_at": d["created_at"],
        }

    def deployment_status(self, did: int, s: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": s["id"],
            "node_id": _node("DES", s["id"]),
            "url": f"{self.repo_url}/deployments/{did}/statuses/{s['id']}",
            "deployment_url": f"{self.repo_url}/deployments/{did}",
            "repository_url": self.repo_url,
            "state": s["state"],
            "description": s["description"],
            "target_url": s.get("target_url") or "",
            "creator": self.user("hotswap"),
            "created_at": s["created_at"],
            "updated_at": s["created_at"],
        }

    # --- the HTTP side ------------------------------------------------------------------------

    def app(self) -> Starlette:
        prefix = self.api_root + "/repos/{owner}/{repo}"
        routes = [
            Route(prefix, self._get_repo, methods=["GET"]),
            Route(prefix + "/issues/{number:int}", self._get_issue, methods=["GET"]),
            Route(prefix + "/issues/{number:int}/comments", self._issue_comments, methods=["GET", "POST"]),
            Route(prefix + "/issues/comments/{cid:int}", self._edit_comment, methods=["PATCH"]),
            Route(prefix + "/statuses/{sha}", self._create_status, methods=["POST"]),
            Route(prefix + "/deployments", self._deployments, methods=["GET", "POST"]),
            Route(prefix + "/deployments/{did:int}", self._get_deployment, methods=["GET"]),
            Route(prefix + "/deployments/{did:int}/statuses", self._deployment_statuses, methods=["GET", "POST"]),
            Route(prefix + "/pulls", self._pulls, methods=["GET", "POST"]),
            Route(prefix + "/pulls/{number:int}", self._pull, methods=["GET", "PATCH"]),
            Route(self.api_root + "/search/issues", self._search, methods=["GET"]),
        ]
        app = Starlette(routes=routes)
        app.add_middleware(_Gate, fake=self)
        return app

    async def _get_repo(self, request: Request) -> Response:
        return JSONResponse(self.repository())

    async def _get_issue(self, request: Request) -> Response:
        number = request.path_params["number"]
        if number not in self.issues:
            return _not_found()
        return JSONResponse(self.issue(number))

    async def _issue_comments(self, request: Request) -> Response:
        number = request.path_params["number"]
        if number not in self.issues:
            return _not_found()
        if request.method == "GET":  # oldest first, as GitHub lists them
            return _page(
                request, [self.comment(cid) for cid, c in sorted(self.comments.items()) if c["issue"] == number]
            )
        body = await request.json()
        if not isinstance(body.get("body"), str) or not body["body"]:
            return _invalid("body", "missing_field")
        if len(body["body"]) > MAX_COMMENT:
            return _too_long()
        cid = next(self._ids)
        self.comments[cid] = {"issue": number, "body": body["body"], "user": "hotswap", "created_at": _now()}
        self.comments[cid]["updated_at"] = self.comments[cid]["created_at"]
        return JSONResponse(self.comment(cid), status_code=201)

    async def _edit_comment(self, request: Request) -> Response:
        cid = request.path_params["cid"]
        if cid not in self.comments:
            return _not_found()
        body = await request.json()
        if not isinstance(body.get("body"), str) or not body["body"]:
            return _invalid("body", "missing_field")
        if len(body["body"]) > MAX_COMMENT:
            return _too_long()
        self.comments[cid].update(body=body["body"], updated_at=_now())
        return JSONResponse(self.comment(cid))

    async def _create_status(self, request: Request) -> Response:
        body = await request.json()
        sha = request.path_params["sha"]
        if body.get("state") not in ("error", "failure", "pending", "success") or len(sha) != 40:
            return _invalid("state", "invalid")
        if len(body.get("description") or "") > 140:
            return _invalid("description", "too long")
        status = {"id": next(self._ids), "sha": sha, **body, "created_at": _now()}
        self.statuses.append(status)
        return JSONResponse(
            {
                "id": status["id"],
                "node_id": _node("SC", status["id"]),
                "url": f"{self.repo_url}/statuses/{sha}",
                "avatar_url": None,
                "state": body["state"],
                "description": body.get("description"),
                "target_url": body.get("target_url"),
                "context": body.get("context", "default"),
                "creator": self.user("hotswap"),
                "created_at": status["created_at"],
                "updated_at": status["created_at"],
            },
            status_code=201,
        )

    async def _deployments(self, request: Request) -> Response:
        if request.method == "GET":
            env, ref = request.query_params.get("environment"), request.query_params.get("ref")
            found = [
                self.deployment(did)
                for did, d in sorted(self.deployments.items(), reverse=True)
                if (env is None or d["environment"] == env) and (ref is None or d["ref"] == ref)
            ]
            return _page(request, found)
        body = await request.json()
        if not isinstance(body.get("ref"), str) or not body["ref"]:
            return _invalid("ref", "missing_field")
        did = next(self._ids)
        self.deployments[did] = {
            "ref": body["ref"],
            "environment": body.get("environment", "production"),
            "description": body.get("description", ""),
            "payload": body.get("payload", {}),
            "created_at": _now(),
        }
        self.deployment_statuses[did] = []
        return JSONResponse(self.deployment(did), status_code=201)

    async def _get_deployment(self, request: Request) -> Response:
        did = request.path_params["did"]
        return JSONResponse(self.deployment(did)) if did in self.deployments else _not_found()

    async def _deployment_statuses(self, request: Request) -> Response:
        did = request.path_params["did"]
        if did not in self.deployments:
            return _not_found()
        if request.method == "GET":
            return _page(request, [self.deployment_status(did, s) for s in reversed(self.deployment_statuses[did])])
        body = await request.json()
        states = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")
        if body.get("state") not in states:
            return _invalid("state", "invalid")
        if len(body.get("description") or "") > 140:
            return _invalid("description", "too long")
        status = {"id": next(self._ids), **body, "created_at": _now()}
        self.deployment_statuses[did].append(status)
        return JSONResponse(self.deployment_status(did, status), status_code=201)

    async def _pulls(self, request: Request) -> Response:
        if request.method == "GET":
            state, head = request.query_params.get("state", "open"), request.query_params.get("head")
            found = [  # newest first, as GitHub lists them by default
                self.pull(n)
                for n, p in sorted(self.pulls.items(), reverse=True)
                if (state == "all" or p["state"] == state) and (head is None or f"{self.owner}:{p['head']}" == head)
            ]
            return _page(request, found)
        if not self.actions_may_open_pulls:
            return JSONResponse(
                {
                    "message": ACTIONS_MAY_NOT_OPEN,
                    "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                },
                status_code=403,
            )
        body = await request.json()
        for key in ("title", "head", "base"):
            if not isinstance(body.get(key), str) or not body[key]:
                return _invalid(key, "missing_field")
        if any(p["head"] == body["head"] and p["state"] == "open" for p in self.pulls.values()):
            return JSONResponse(
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "message": f"A pull request already exists for {self.owner}:{body['head']}.",
                        }
                    ],
                    "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                },
                status_code=422,
            )
        number = max([*self.issues, 0]) + 1
        self.issues.add(number)
        self.pulls[number] = self._pull_record(number, body["title"], body["head"], body["base"], body.get("body", ""))
        return JSONResponse(self.pull(number), status_code=201)

    async def _search(self, request: Request) -> Response:
        words = request.query_params.get("q", "").split()
        if f"repo:{self.owner}/{self.name}" not in words or "is:pr" not in words:
            return _invalid("q", "invalid")
        shas = [w for w in words if len(w) == 40]
        found = [
            {**self.issue(n), "score": 1.0}
            for n, p in sorted(self.pulls.items())
            if any(sha in p.get("commits", ()) for sha in shas)
        ]
        return JSONResponse(
            {"total_count": len(found), "incomplete_results": False, "items": found, "search_type": "lexical"}
        )

    async def _pull(self, request: Request) -> Response:
        number = request.path_params["number"]
        if number not in self.pulls:
            return _not_found()
        if request.method == "PATCH":
            body = await request.json()
            if body.get("state") == "closed":
                self.pulls[number].update(state="closed", closed_at=_now())
        return JSONResponse(self.pull(number))


def _page(request: Request, items: Sequence[Any]) -> JSONResponse:
    """One page of a list, with GitHub's Link header: 30 per page unless `per_page` (at most 100)."""
    query = request.query_params
    per_page = min(100, max(1, int(query.get("per_page", "30") or 30)))
    page = max(1, int(query.get("page", "1") or 1))
    last = max(1, -(-len(items) // per_page))
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", last)):
        if 1 <= number <= last and (rel in ("first", "last") or number != page):
            url = request.url.include_query_params(page=number, per_page=per_page)
            links.append(f'<{url}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if last > 1 else {}
    return JSONResponse(list(items[(page - 1) * per_page : page * per_page]), headers=headers)


def _too_long() -> JSONResponse:
    return JSONResponse(
        {
            "message": "Validation Failed",
            "errors": [
                {
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
        },
        status_code=422,
    )


def _not_found() -> JSONResponse:
    return JSONResponse({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, status_code=404)


def _invalid(field_name: str, code: str) -> JSONResponse:
    return JSONResponse(
        {"message": "Validation Failed", "errors": [{"resource": "Resource", "field": field_name, "code": code}]},
        status_code=422,
    )


class _Gate:
    """Authentication, recording, and the failures a test asks for, in front of every route."""

    def __init__(self, app: Any, fake: FakeGitHub) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body: Any = None
        raw = await request.body()
        if raw:
            body = json.loads(raw)

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        path = scope["path"].removeprefix(f"{self.fake.api_root}/repos/{self.fake.owner}/{self.fake.name}")
        with self.fake.lock:
            self.fake.calls.append(Call(scope["method"], path, body, scope["query_string"].decode()))
            fault = next((f for f in self.fake.faults if f.matches(scope["method"], path, body)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.fake.faults.remove(fault)
        held = self.fake.held
        if held is not None:
            self.fake.holding.set()
            await asyncio.to_thread(held.wait, 60)
        headers = dict(request.headers)
        response: Response | None = None
        if headers.get("authorization") != f"token {TOKEN}":
            response = JSONResponse({"message": "Bad credentials"}, status_code=401)
        elif fault is not None:
            documentation = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
            content = {"message": fault.message, "documentation_url": documentation}
            response = JSONResponse(content, status_code=fault.status, headers=fault.headers)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, replay, send)


def serve(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    with serving(fake.app()) as base:
        fake.base = base
        yield fake
