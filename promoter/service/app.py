"""The HTTP face of `hotswap serve` (FastAPI): read rollouts, approve, roll back, propose configs,
receive GitHub webhooks, export metrics. It never writes main: config changes become branches."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from pipeline.documents import SourceFile, game_of, is_config_path
from pipeline.validate import validate
from pipeline.yamlstrict import DEFAULT_LIMITS
from promoter.decide import DecisionError, decide_approve, decide_rollback
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubPort, GitHubUnavailable
from promoter.gitio import GitProblem, PushRejected, RefUpdate, Remote, redact
from promoter.model import MAIN_REF, GameSnapshot, RolloutRecord
from promoter.reconcile import Outcome, Reconciler, apply_with_retry, reject
from promoter.service.auth import AuthSettings, Forbidden, Principal, Unauthorized, authenticate, require
from promoter.service.limits import DeliveryLog, RateLimiter
from promoter.service.page import render
from promoter.service.views import deployment, deployment_metrics, game_configs
from promoter.service.webhook import register_webhook

MAX_BODY = 1 << 20


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
                self.errors.labels("decision").inc()
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
    deliveries: DeliveryLog = field(default_factory=DeliveryLog)
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one user of the git cache at a time
    wake: threading.Event = field(default_factory=threading.Event)
    last_pass: float | None = None
    passes: int = 0

    def reconcile_once(self) -> list[Outcome]:
        start = time.monotonic()
        try:
            with self.lock:
                outcomes = self.reconciler.run_once()
        except GitProblem as exc:
            self.metrics.errors.labels("git").inc()
            return [Outcome("*", redact(str(exc)), error=str(exc))]
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
            self.metrics.errors.labels("github").inc()
        if report.rejections:
            with self.lock:
                self.remote.fetch()
                reject(self.remote, report, self.reconciler.clock, self.reconciler.revert_main)
            self.wake.set()

    def loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.reconcile_once()
            self.notify_once()
            self.wake.wait(self.interval)
            self.wake.clear()

    def snapshots(self) -> list[GameSnapshot]:
        with self.lock:
            return [self.remote.snapshot(g) for g in self.remote.games()]

    def find(self, rollout: str) -> tuple[GameSnapshot, RolloutRecord] | None:
        for snap in self.snapshots():
            for record in snap.records.values():
                if record.id == rollout:
                    return snap, record
        return None


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def create_app(service: Service) -> FastAPI:
    app = FastAPI(title="HotSwap", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return _error(413, f"the body is over {MAX_BODY} bytes")
        if request.url.path not in ("/healthz", "/readyz", "/metrics"):
            client = request.client.host if request.client else "?"
            token = request.headers.get("authorization", "")
            key = client + ":" + hashlib.sha256(token.encode()).hexdigest()[:16]
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
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "the body is not JSON")
        return data if isinstance(data, dict) else _error(400, "the body must be a JSON object")

    @app.get("/", response_class=HTMLResponse)
    def status_page(request: Request) -> Any:
        if not service.public_status:
            who = principal(request, "viewer")
            if isinstance(who, JSONResponse):
                return who
        return HTMLResponse(render(service.snapshots(), datetime.now(UTC)))

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/readyz")
    def readyz() -> Response:
        fresh = service.last_pass is not None and time.time() - service.last_pass < 3 * service.interval + 5
        return JSONResponse({"ready": fresh, "passes": service.passes}, status_code=200 if fresh else 503)

    @app.get("/metrics")
    def metrics() -> Response:
        return PlainTextResponse(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/v1/games")
    def games(request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        now = datetime.now(UTC)
        return {"games": [game_configs(s, now) | {"regions": None} for s in service.snapshots()]}

    @app.get("/api/v1/games/{game}/configs")
    def configs(game: str, request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        snap = next((s for s in service.snapshots() if s.game == game), None)
        if snap is None:
            return _error(404, f"no game {game!r}")
        return game_configs(snap, datetime.now(UTC))

    @app.get("/api/v1/deployments")
    def deployments(request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        items = [deployment(s, r) for s in service.snapshots() for r in s.records.values()]
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
        return deployment(snap, record) | {"history": [e.as_json() for e in record.events]}

    @app.get("/api/v1/deployments/{rollout}/metrics")
    def rollout_metrics(rollout: str, request: Request) -> Any:
        who = principal(request, "viewer")
        if isinstance(who, JSONResponse):
            return who
        found = service.find(rollout)
        return _error(404, f"no deployment {rollout!r}") if found is None else deployment_metrics(found[1])

    async def act(request: Request, rollout: str, field_name: str, make: Callable[..., Any]) -> Any:
        who = principal(request, "operator")
        if isinstance(who, JSONResponse):
            return who
        data = await body_json(request)
        if isinstance(data, JSONResponse):
            return data
        value = data.get(field_name)
        if not isinstance(value, str) or not value.strip():
            return _error(422, "invalid request", fields={field_name: "required, a non-empty string"})
        found = service.find(rollout)
        if found is None:
            return _error(404, f"no deployment {rollout!r}")
        game = found[0].game
        try:
            with service.lock:
                service.remote.fetch()
                outcome = apply_with_retry(
                    service.remote,
                    game,
                    lambda s, n: make(s, n, value, who.subject),
                    service.reconciler.clock,
                    service.reconciler.revert_main,
                )
        except DecisionError as exc:
            return _error(409, str(exc))
        if outcome.error:
            return _error(502, outcome.summary)
        service.wake.set()
        return {"game": game, "result": outcome.summary, "by": who.subject}

    @app.post("/api/v1/deployments/{rollout}/rollback")
    async def rollback(rollout: str, request: Request) -> Any:
        return await act(request, rollout, "reason", decide_rollback)

    @app.post("/api/v1/deployments/{rollout}/approve")
    async def approve(rollout: str, request: Request) -> Any:
        return await act(request, rollout, "region", decide_approve)

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
        if not isinstance(path, str) or not is_config_path(path) or ".." in path.split("/") or game_of(path) is None:
            fields["path"] = "configs/<game>/<name>.yaml (or .yml, .json)"
        if not isinstance(content, str):
            fields["content"] = "required: the document as text"
        if fields:
            return _error(422, "invalid request", fields=fields)
        assert isinstance(path, str) and isinstance(content, str)
        with service.lock:
            service.remote.fetch()
            main = service.remote.ref(MAIN_REF)
            if main is None:
                return _error(503, "the remote has no main branch")
            commit = service.remote.commit(main)
            game = game_of(path) or ""
            sources = [s for s in service.remote.game_sources(commit, game) if s.path != path]
            sources.append(SourceFile(path, content.encode()))
            result = validate(sources, service.remote.schemas_for(commit), DEFAULT_LIMITS)
            problems = [f for f in result.findings if f.severity == "error"]
            if problems:
                return _error(422, "the config is invalid", findings=[f.as_dict() for f in problems])
            branch, new = service.remote.propose(commit, path, content.encode(), who.subject, datetime.now(UTC))
            existing = service.remote.ref(branch)
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

    return app
