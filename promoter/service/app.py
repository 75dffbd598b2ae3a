"""The HTTP face of `hotswap serve` (FastAPI): read rollouts, approve, roll back, propose configs,
receive GitHub webhooks, export metrics. It never writes main: config changes become branches."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import jwt
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from contract.refs import MAIN_REF
from pipeline import gitsource
from pipeline.diff import diff_revisions
from pipeline.diff_format import FORMATS as DIFF_FORMATS
from pipeline.documents import game_of
from pipeline.validate import validate
from pipeline.yamlstrict import DEFAULT_LIMITS
from promoter import usecases
from promoter.decide import DecisionError
from promoter.errors import HotswapFailure
from promoter.github.branches import UnusableBranch, check_proposal_branch
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubPort, GitHubUnavailable
from promoter.gitio import GitProblem, PushRejected, RefUpdate, Remote, redact
from promoter.model import GameSnapshot, RolloutRecord
from promoter.observed import FleetView
from promoter.reconcile import Outcome, Reconciler, failed, reject
from promoter.rollout import ended_state
from promoter.service import session
from promoter.service.auth import AuthSettings, Forbidden, Principal, Unauthorized, authenticate, require
from promoter.service.events_api import events_section, register_events
from promoter.service.fleet import FleetBoard
from promoter.service.free_text import refused_text
from promoter.service.freeze_api import register_freeze
from promoter.service.limits import RateLimiter, client_key
from promoter.service.log import EventLog
from promoter.service.loop import PassLoop
from promoter.service.page import login_page, render
from promoter.service.proposal_paths import path_clash, path_problem
from promoter.service.views import deployment, deployment_metrics, game_configs, game_detail, game_servers
from promoter.service.webhook import register_webhook
from promoter.status import ReleaseMeta, release_metas
from promoter.write_guard import InvalidWrite, invalid_findings

MAX_BODY = 1 << 20
_SHA = re.compile(r"[0-9a-f]{7,40}")


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.duration = Histogram("hotswap_reconcile_duration_seconds", "Time of one reconcile pass.", registry=r)
        self.decisions = Counter("hotswap_decisions", "Decisions by outcome.", ["outcome"], registry=r)
        self.promotions = Counter("hotswap_promotions", "Steps deployed.", registry=r)
        self.rollbacks = Counter("hotswap_rollbacks", "Rollbacks written.", registry=r)
        self.errors = Counter("hotswap_errors", "Errors by kind.", ["kind"], registry=r)
        self.github_told = Counter("hotswap_github_told", "Things told to GitHub.", registry=r)
        self.github_owed = Gauge(
            "hotswap_github_owed", "Things GitHub could not be told yet (told on a later pass).", registry=r
        )
        self.github_refused = Counter(
            "hotswap_github_refused", "Things GitHub refused for good (a 4xx for that item; in the ledger).", registry=r
        )
        self.last_good = Gauge(
            "hotswap_last_good_reconcile_timestamp_seconds", "End of the last good pass.", registry=r
        )

    def record(self, outcomes: list[Outcome], seconds: float) -> None:
        self.duration.observe(seconds)
        for o in outcomes:
            self.decisions.labels("error" if o.error else ("wrote" if o.wrote else "nothing")).inc()
            if "WriteRings" in o.actions:
                self.promotions.inc()
            if "RevertRings" in o.actions:
                self.rollbacks.inc()
            if o.error:
                self.errors.labels(o.kind or "decision").inc()
        if not any(o.error for o in outcomes):
            self.last_good.set_to_current_time()


@dataclass
class Service:
    remote: Remote
    reconciler: Reconciler
    auth: AuthSettings
    webhook_secret: bytes | None
    interval: float = 30.0
    public_status: bool = False  # the status page at / without a token (it shows no secrets)
    github: GitHubPort | None = None  # config changes become pull requests when set
    notifier: Notifier | None = None  # tells GitHub about rollouts, from a cache of its own
    last_notify_error: str | None = None
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(rate=10.0, burst=40))
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one user of the git cache at a time
    runner: PassLoop = field(default_factory=PassLoop)  # the background loop: its wake, its state for /healthz
    last_pass: float | None = None
    passes: int = 0
    last_error: str | None = None
    fleet: FleetBoard = field(default_factory=FleetBoard)  # what servers report (observed), for status and /metrics
    session_key: bytes | None = None  # signs the status page's session cookies; derived from auth when None
    compare_url: str | None = None  # GitHub's compare page for the repository, linked from the status page
    log: EventLog = field(default_factory=EventLog)

    def reconcile_once(self) -> list[Outcome]:
        start = time.monotonic()
        try:
            with self.lock:
                outcomes = self.reconciler.run_once()
        except Exception as exc:  # the whole pass failed (the remote unreachable, a bug): next pass retries
            outcome = failed("*", exc)
            self.metrics.errors.labels(outcome.kind or "internal").inc()
            self.last_error = redact(outcome.summary)
            self.log.emit("error", kind=outcome.kind or "internal", summary=self.last_error)
            return [replace(outcome, summary=self.last_error, error=redact(outcome.error or ""))]
        self.log.outcomes(outcomes)
        self.metrics.record(outcomes, time.monotonic() - start)
        self.last_pass = time.time()
        self.passes += 1
        return outcomes

    def notify_once(self) -> None:
        """Tell GitHub, outside the lock: the notifier reads its own cache of the remote, so a slow
        or failing GitHub never holds up the API (an approval, a rollback) or the next pass."""
        if self.notifier is None:
            return
        try:
            self.notifier.remote.fetch()
            report = self.notifier.run(self.notifier.remote.games())
        except GitProblem as exc:
            self.metrics.errors.labels("git").inc()
            self.last_notify_error = redact(str(exc))
            return
        self.last_notify_error = report.error
        self.metrics.github_told.inc(report.told)
        self.metrics.github_owed.set(report.pending)
        if report.error:
            self.metrics.errors.labels(report.error_kind).inc()
            self.log.emit("error", kind=report.error_kind, summary=report.error)
        for refused in report.failed:
            self.log.emit("error", kind="github-refused", summary=refused)
        for game, why in report.broken:  # that game's alone: the others were told
            self.metrics.errors.labels("internal").inc()
            self.log.emit("error", kind="internal", game=game, summary=f"telling GitHub: {why}")
        if report.failed:  # refused for good (a 4xx for one item): recorded in the ledger, never retried
            self.metrics.github_refused.inc(len(report.failed))
        if report.rejections:
            with self.lock:
                self.remote.fetch()
                reject(self.remote, report, self.reconciler.clock, self.reconciler.revert_main)
            self.wake.set()

    def observe_once(self) -> None:
        """Read what the fleet reports (drift in /metrics); Prometheus failing is a state, never raised."""
        try:
            snaps = self.snapshots()
        except GitProblem:
            self.metrics.errors.labels("git").inc()
            return
        self.fleet.refresh(snaps, datetime.now(UTC))

    @property
    def wake(self) -> threading.Event:
        """Set: the next pass starts now (a webhook, an approval, a rollback)."""
        return self.runner.wake

    @property
    def loop_state(self) -> str:
        return self.runner.state

    @property
    def loop_beat(self) -> float | None:
        return self.runner.beat

    def loop(self, stop: threading.Event) -> None:
        """Pass after pass until stopped. Nothing one pass raises ends it: it is counted by kind."""
        self.runner.run(
            (self.reconcile_once, self.notify_once, self.observe_once), self.step_failed, stop, self.interval
        )

    def step_failed(self, exc: Exception) -> None:
        kind = exc.kind if isinstance(exc, HotswapFailure) else "internal"
        self.metrics.errors.labels(kind).inc()
        self.last_error = redact(f"{type(exc).__name__}: {exc}")[:500]
        self.log.emit("error", kind=kind, summary=self.last_error)

    def snapshots(self) -> list[GameSnapshot]:
        """Every game that can be read; one whose records cannot be (a broken ledger file) is left
        out, counted and logged, so the API answers for the others."""
        with self.lock:
            read = [self._read(game) for game in self.remote.games()]
        return [snap for snap in read if snap is not None]

    def snapshot(self, game: str) -> GameSnapshot | None:
        """One game's snapshot (None: no such game, or it cannot be read), without reading the others."""
        with self.lock:
            return self._read(game) if game in self.remote.games() else None

    def _read(self, game: str) -> GameSnapshot | None:
        try:
            return self.remote.snapshot(game)
        except Exception as exc:
            outcome = failed(game, exc)
            self.metrics.errors.labels(outcome.kind or "internal").inc()
            self.last_error = redact(outcome.summary)
            self.log.emit("error", game=game, kind=outcome.kind, summary=self.last_error)
            return None

    def observed(self, snaps: list[GameSnapshot]) -> tuple[dict[str, FleetView], dict[str, ReleaseMeta | None]]:
        """Per game: the fleet as observed, and its current release's subject and author."""
        now = datetime.now(UTC)
        fleets = {s.game: self.fleet.view(s, now) for s in snaps}
        with self.lock:
            metas = dict(release_metas(self.remote, snaps))
        return fleets, metas

    def find(self, rollout: str) -> tuple[GameSnapshot, RolloutRecord] | None:
        for snap in self.snapshots():
            for record in snap.records.values():
                if record.id == rollout:
                    return snap, record
        return None


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def parse_json_body(body: bytes) -> dict[str, Any] | JSONResponse:
    """A JSON object, or a 4xx: not JSON, nested too deep for the parser, or a string that is not
    Unicode (a lone surrogate `\\ud800` cannot go into a commit message or a file)."""
    try:
        data = json.loads(body or b"{}")
        json.dumps(data, ensure_ascii=False).encode()
    except RecursionError:
        return _error(400, "the body is nested too deeply")
    except UnicodeEncodeError:
        return _error(400, "the body holds a string that is not valid Unicode (a lone surrogate)")
    except ValueError:
        return _error(400, "the body is not JSON")
    return data if isinstance(data, dict) else _error(400, "the body must be a JSON object")


def create_app(service: Service) -> FastAPI:
    app = FastAPI(title="HotSwap", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    service.fleet.register(service.metrics.registry)
    if service.session_key is None:
        service.session_key = session.session_key(service.auth)
    session_key: bytes = service.session_key

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return _error(413, f"the body is over {MAX_BODY} bytes")
        if request.url.path not in ("/healthz", "/readyz", "/metrics"):
            address = request.client.host if request.client else "?"
            key = client_key(service.auth, request.headers.get("authorization"), address)
            wait = service.limiter.take(key)
            if wait:
                return JSONResponse(
                    {"error": "too many requests"}, status_code=429, headers={"Retry-After": str(max(1, round(wait)))}
                )
        return await call_next(request)

    def principal(request: Request, role: str) -> Principal | JSONResponse:
        if not service.auth.enabled:
            return _error(401, "authentication is not configured on this server")
        try:
            who = authenticate(service.auth, request.headers.get("authorization"))
            require(who, role)
        except Unauthorized as exc:
            return _error(401, str(exc))
        except Forbidden as exc:
            return _error(403, str(exc))
        return who

    async def read_body(request: Request) -> bytes | JSONResponse:
        """The body, read no further than MAX_BODY (a missing or lying Content-Length included)."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return _error(413, f"the body is over {MAX_BODY} bytes")
        return body

    async def body_json(request: Request) -> dict[str, Any] | JSONResponse:
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        return parse_json_body(body)

    async def operator_field(request: Request, field_name: str) -> tuple[Principal, str] | JSONResponse:
        """An operator's action: who asks, and the one non-empty string field its JSON body must hold."""
        who = principal(request, "operator")
        if isinstance(who, JSONResponse):
            return who
        data = await body_json(request)
        if isinstance(data, JSONResponse):
            return data
        value = data.get(field_name)
        if not isinstance(value, str) or not value.strip():
            return _error(422, "invalid request", fields={field_name: "required, a non-empty string"})
        # both are written into a commit message and the ledger (the token's subject as `by`)
        refused = refused_text({field_name: value, "by": who.subject})
        return refused if refused is not None else (who, value)

    def viewer(request: Request) -> Principal | JSONResponse:
        """A bearer token, or the status page's session cookie (viewer role at least)."""
        if "authorization" not in request.headers:
            who = session.verify(session_key, request.cookies.get(session.COOKIE))
            if who is not None:
                return who
        return principal(request, "viewer")

    def page_viewer(request: Request) -> Principal | Response | None:
        """None when the page is public; a 401 carrying the login form for a browser without a session."""
        if service.public_status:
            return None
        who = viewer(request)
        if isinstance(who, JSONResponse) and who.status_code == 401 and "authorization" not in request.headers:
            return HTMLResponse(login_page(), status_code=401)
        return who

    @app.get("/", response_class=HTMLResponse)
    def status_page(request: Request) -> Any:
        who = page_viewer(request)
        if isinstance(who, Response):
            return who
        snaps = service.snapshots()
        fleets, metas = service.observed(snaps)
        now = datetime.now(UTC)
        with service.lock:
            events = events_section(service.remote, [s.game for s in snaps], now)
        return HTMLResponse(render(snaps, now, fleets, metas, service.compare_url, events))

    @app.get("/login", response_class=HTMLResponse)
    def login_form() -> Any:
        return HTMLResponse(login_page())

    @app.post("/login")
    async def login(request: Request) -> Any:
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        token = (parse_qs(body.decode("utf-8", "replace")).get("token") or [""])[0].strip()
        if not service.auth.enabled:
            return HTMLResponse(login_page("authentication is not configured on this server"), status_code=401)
        try:
            who = authenticate(service.auth, f"Bearer {token}")
            require(who, "viewer")
            expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
        except (Unauthorized, Forbidden, jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            return HTMLResponse(login_page(f"not signed in: {exc}"), status_code=401)
        expires = min(expires, time.time() + session.LIFETIME)
        response = RedirectResponse("/", status_code=303)
        response.headers["set-cookie"] = session.cookie_header(
            session.mint(session_key, who, expires), max(1, int(expires - time.time())), request.url.scheme == "https"
        )
        return response

    @app.post("/logout")
    def logout(request: Request) -> Any:
        response = RedirectResponse("/login", status_code=303)
        response.headers["set-cookie"] = session.cookie_header("", 0, request.url.scheme == "https")
        return response

    # async: answered on the event loop itself, never queued behind handlers waiting for the lock
    # in the threadpool. A reconcile loop that ended is a failed liveness check.
    @app.get("/healthz")
    async def healthz() -> Response:
        alive = service.loop_state != "stopped"
        beat = service.loop_beat
        body = {
            "ok": alive,
            "loop": service.loop_state,
            "loopBeatAgeSeconds": None if beat is None else round(time.time() - beat, 3),
        }
        return JSONResponse(body, status_code=200 if alive else 503)

    @app.get("/readyz")
    async def readyz() -> Response:
        last = service.last_pass
        fresh = last is not None and time.time() - last < 3 * service.interval + 5
        body = {
            "ready": fresh,
            "passes": service.passes,
            "lastPassAgeSeconds": None if last is None else round(time.time() - last, 3),
            "lastError": service.last_error,
        }
        return JSONResponse(body, status_code=200 if fresh else 503)

    @app.get("/metrics")
    def metrics() -> Response:
        return PlainTextResponse(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/v1/games")
    def games(request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        now = datetime.now(UTC)
        return {
            "games": [game_configs(s, now, service.fleet.view(s, now)) | {"regions": None} for s in service.snapshots()]
        }

    @app.get("/api/v1/games/{game}/configs")
    def configs(game: str, request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        snap = service.snapshot(game)
        if snap is None:
            return _error(404, f"no game {game!r}")
        now = datetime.now(UTC)
        return game_configs(snap, now, service.fleet.view(snap, now))

    def viewed_game(request: Request, game: str) -> GameSnapshot | JSONResponse:
        """The game's snapshot for a viewer, or the 401/403/404 answer."""
        who = viewer(request)
        if isinstance(who, JSONResponse):
            return who
        snap = service.snapshot(game)
        return _error(404, f"no game {game!r}") if snap is None else snap

    @app.get("/api/v1/games/{game}")
    def game_status_route(game: str, request: Request) -> Any:
        snap = viewed_game(request, game)
        if isinstance(snap, JSONResponse):
            return snap
        fleets, metas = service.observed([snap])
        return game_detail(snap, datetime.now(UTC), fleets[game], metas[game])

    @app.get("/api/v1/games/{game}/servers")
    def game_servers_route(game: str, request: Request) -> Any:
        snap = viewed_game(request, game)
        if isinstance(snap, JSONResponse):
            return snap
        now = datetime.now(UTC)
        return game_servers(service.fleet.view(snap, now), now)

    @app.get("/api/v1/games/{game}/diff")
    def game_diff(game: str, request: Request, base: str = "", head: str = "", format: str = "text") -> Any:
        """What `hotswap diff BASE HEAD` prints, for the page's diff link (readable as the page is)."""
        who = page_viewer(request)
        if isinstance(who, Response):
            return who
        if not (_SHA.fullmatch(base) and _SHA.fullmatch(head)) or format not in DIFF_FORMATS:
            return _error(422, "base and head are commit ids (7 to 40 hex); format is text, json or markdown")
        if service.snapshot(game) is None:
            return _error(404, f"no game {game!r}")
        with service.lock:
            try:
                old = gitsource.resolve(service.remote.repo, base)
                new = gitsource.resolve(service.remote.repo, head)
            except gitsource.GitSourceError as exc:
                return _error(404, str(exc))
            text = DIFF_FORMATS[format](diff_revisions(service.remote.repo, old, new, DEFAULT_LIMITS))
        return PlainTextResponse(text, media_type="application/json" if format == "json" else "text/plain")

    @app.get("/api/v1/deployments")
    def deployments(request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        now = datetime.now(UTC)
        items = [deployment(s, r, now) for s in service.snapshots() for r in s.records.values()]
        items.sort(key=lambda d: d["startedAt"] or "", reverse=True)
        return {"deployments": items}

    @app.get("/api/v1/deployments/{rollout}")
    def one(rollout: str, request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        found = service.find(rollout)
        if found is None:
            return _error(404, f"no deployment {rollout!r}")
        snap, record = found
        return deployment(snap, record, datetime.now(UTC)) | {"history": [e.as_json() for e in record.events]}

    @app.get("/api/v1/deployments/{rollout}/metrics")
    def rollout_metrics(rollout: str, request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        found = service.find(rollout)
        return _error(404, f"no deployment {rollout!r}") if found is None else deployment_metrics(found[1])

    async def act(request: Request, rollout_id: str, field_name: str, name: str) -> Any:
        """Approve or roll back exactly the rollout the id names: an ended rollout answers 409 with
        its state; a retry of an action already taken answers with the earlier result (changed: false)."""
        asked = await operator_field(request, field_name)
        if isinstance(asked, JSONResponse):
            return asked
        who, value = asked
        found = await run_in_threadpool(service.find, rollout_id)
        if found is None:
            return _error(404, f"no deployment {rollout_id!r}")
        snap, record = found
        state = ended_state(record)
        if state is not None and not (name == "rollback" and state == "rolled-back"):
            return _error(409, f"deployment {rollout_id} has ended: {state}", state=state)

        def run() -> usecases.Result:
            with service.lock:
                service.remote.fetch()
                clock, mode = service.reconciler.clock, service.reconciler.revert_main
                if name == "rollback":
                    return usecases.rollback(service.remote, snap.game, value, who.subject, record.release, clock, mode)
                return usecases.approve(service.remote, snap.game, value, who.subject, record.release, clock)

        try:
            result = await run_in_threadpool(run)
        except DecisionError as exc:
            return _error(409, str(exc))
        except InvalidWrite as exc:  # a tree the write would push fails validation: nothing moved
            return _error(409, str(exc), findings=invalid_findings(exc))
        service.log.emit(
            name,
            game=snap.game,
            deployment=record.id,
            by=who.subject,
            changed=result.changed,
            summary=result.outcome.summary,
            kind=result.outcome.kind if result.outcome.error else None,
        )
        if result.outcome.error:
            return _error(502, result.outcome.summary)
        if result.changed:
            service.wake.set()
        return {
            "game": snap.game,
            "deployment": record.id,
            "release": record.release,
            "result": result.outcome.summary,
            "changed": result.changed,
            "by": who.subject,
        }

    @app.post("/api/v1/deployments/{rollout_id}/rollback")
    async def rollback(rollout_id: str, request: Request) -> Any:
        return await act(request, rollout_id, "reason", "rollback")

    @app.post("/api/v1/deployments/{rollout_id}/approve")
    async def approve(rollout_id: str, request: Request) -> Any:
        return await act(request, rollout_id, "region", "approve")

    @app.post("/api/v1/game-configs")
    async def propose(request: Request) -> Any:
        who = principal(request, "admin")
        if isinstance(who, JSONResponse):
            return who
        data = await body_json(request)
        if isinstance(data, JSONResponse):
            return data
        path, content = data.get("path"), data.get("content")
        fields = {}
        problem = path_problem(path) if isinstance(path, str) else "required, a string"
        if problem:
            fields["path"] = f"configs/<game>/<name>.yaml (or .yml, .json): {problem}"
        if not isinstance(content, str):
            fields["content"] = "required: the document as text"
        if fields:
            return _error(422, "invalid request", fields=fields)
        assert isinstance(path, str) and isinstance(content, str)
        return await run_in_threadpool(propose_now, path, content, who)

    def propose_now(path: str, content: str, who: Principal) -> Any:
        with service.lock:
            service.remote.fetch()
            main = service.remote.ref(MAIN_REF)
            if main is None:
                return _error(503, "the remote has no main branch")
            commit = service.remote.commit(main)
            game = game_of(path) or ""
            clash = path_clash(commit.tree, path)
            if clash:
                return _error(409, clash)
            # Build the commit first and validate ITS tree: what is validated is what is pushed.
            branch, new = service.remote.propose(commit, path, content.encode(), who.subject, datetime.now(UTC))
            built = service.remote.commit(new)
            result = validate(
                service.remote.game_sources(built, game), service.remote.schemas_for(built), DEFAULT_LIMITS
            )
            problems = [f for f in result.findings if f.severity == "error"]
            if problems:
                return _error(422, "the config is invalid", findings=[f.as_dict() for f in problems])
            existing = service.remote.ref(branch)
            if existing is not None:
                # Its name is predictable: use it only if it is exactly this proposal (README).
                try:
                    check_proposal_branch(service.remote, branch.removeprefix("refs/heads/"), path, content.encode())
                except UnusableBranch as exc:
                    return _error(409, str(exc))
            try:
                created = existing is None and service.remote.push([RefUpdate(branch, new, None)]).ok
            except PushRejected as exc:
                return _error(502, f"the remote refused the branch: {exc}")
        name, new = branch.removeprefix("refs/heads/"), new if created else (existing or new)
        if service.github is None:
            if not created:
                return _error(409, "a branch with this change already exists")
            return JSONResponse({"branch": name, "commit": new, "pullRequest": None}, status_code=201)
        # The same content makes the same branch: asking again finds its pull request, or opens it
        # if GitHub could not be reached the first time.
        title = f"{game}: update {path}"
        body = f"Proposed through the HotSwap API by {who.subject}. Validated: no errors.\n"
        try:
            pull = service.github.open_pull(name, "main", title, body)
        except GitHubUnavailable as exc:
            return JSONResponse(
                {"branch": name, "commit": new, "pullRequest": None, "github": str(exc)}, status_code=202
            )
        return JSONResponse(
            {"branch": name, "commit": new, "pullRequest": {"number": pull.number, "url": pull.url}},
            status_code=201 if created else 200,
        )

    register_webhook(app, service, read_body)
    register_events(app, service, viewed_game, operator_field)
    register_freeze(app, service, operator_field)

    return app
