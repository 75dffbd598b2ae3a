"""hotswap serve --remote URL --prometheus URL [--host H] [--port P] [--interval S] [--tls-cert F --tls-key F]
[--jwt-issuer ISS] [--jwt-audience AUD]"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path

from hotswap.commands.promoter_options import (
    ENV_PROMETHEUS,
    add_remote_options,
    add_stale_after,
    github_from_env,
    remote_from,
    revert_mode,
)
from hotswap.errors import EXIT_OK, UsageError
from promoter.fleet_reports import PrometheusFleet
from promoter.github.notifier import Notifier
from promoter.github.port import GitHubSettings
from promoter.gitio import Remote
from promoter.metrics import PrometheusSource
from promoter.reconcile import Reconciler, utc_now
from promoter.service.auth import AuthSettings, WeakSecret

ENV_JWT_SECRET = "HOTSWAP_JWT_SECRET"
ENV_JWT_ISSUER = "HOTSWAP_JWT_ISSUER"
ENV_JWT_AUDIENCE = "HOTSWAP_JWT_AUDIENCE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_options(parser)
    parser.add_argument("--prometheus", help=f"Prometheus base URL (env {ENV_PROMETHEUS})")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between reconcile passes")
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="and this private key (PEM)")
    parser.add_argument("--public-status", action="store_true", help="serve the status page at / without a token")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="one line per start, decision, rollback, approval and error on stderr: text, or JSON lines",
    )
    parser.add_argument("--jwt-issuer", help=f"accept only tokens with this `iss` (env {ENV_JWT_ISSUER})")
    parser.add_argument("--jwt-audience", help=f"accept only tokens with this `aud` (env {ENV_JWT_AUDIENCE})")
    add_stale_after(parser)


def settings_from_env(args: argparse.Namespace) -> tuple[AuthSettings, bytes | None]:
    """Flags first, then the environment; secrets only from the environment (a command line is public)."""
    public_key_file = os.environ.get("HOTSWAP_JWT_PUBLIC_KEY_FILE")
    try:
        auth = AuthSettings(
            secret=os.environ.get(ENV_JWT_SECRET) or None,
            public_key=Path(public_key_file).read_text() if public_key_file else None,
            audience=args.jwt_audience or os.environ.get(ENV_JWT_AUDIENCE) or None,
            issuer=args.jwt_issuer or os.environ.get(ENV_JWT_ISSUER) or None,
        )
    except WeakSecret as exc:
        raise UsageError(f"{ENV_JWT_SECRET}: {exc} (make one with `openssl rand -hex 32`)") from None
    webhook = os.environ.get("HOTSWAP_WEBHOOK_SECRET")
    return auth, webhook.encode() if webhook else None


def compare_url() -> str | None:
    """GitHub's compare page of the repository, for the status page's diff link (None without GitHub)."""
    settings = GitHubSettings.from_env()
    return f"{settings.server.rstrip('/')}/{settings.repository}/compare/" if settings else None


def run(args: argparse.Namespace) -> int:
    import uvicorn  # the web stack is loaded by the command that serves, not by every command

    from promoter.service.app import Service, create_app
    from promoter.service.fleet import FleetBoard
    from promoter.service.log import EventLog

    url = args.prometheus or os.environ.get(ENV_PROMETHEUS)
    if not url:
        raise UsageError(f"no Prometheus: give --prometheus URL or set {ENV_PROMETHEUS}")
    if args.stale_after <= 0:
        raise UsageError("--stale-after must be positive")
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    auth, webhook = settings_from_env(args)
    if not auth.enabled:
        raise UsageError("set HOTSWAP_JWT_SECRET or HOTSWAP_JWT_PUBLIC_KEY_FILE: the API needs authentication")
    github = github_from_env()
    remote = remote_from(args)
    reconciler = Reconciler(remote, PrometheusSource(url), revert_main=revert_mode(False, github))
    # The notifier gets a cache of its own, so it can talk to GitHub without holding the API's lock.
    notifier = Notifier(Remote(remote.url, remote.path.parent / "notify"), github, utc_now) if github else None
    service = Service(
        remote,
        reconciler,
        auth,
        webhook,
        args.interval,
        args.public_status,
        github=github,
        notifier=notifier,
        fleet=FleetBoard(PrometheusFleet(url), args.stale_after),
        compare_url=compare_url(),
        log=EventLog(args.log_format),
    )
    scheme = "https" if args.tls_cert else "http"
    service.log.emit(
        "start",
        address=f"{scheme}://{args.host}:{args.port}",
        remote=remote.url,
        prometheus=url,
        interval=args.interval,
        github=github is not None,
        games=",".join(remote.games()),
    )
    stop = threading.Event()
    # The loop counts and survives whatever a pass raises; if it ever ends, /healthz answers 503.
    threading.Thread(target=service.loop, args=(stop,), name="hotswap-reconcile", daemon=True).start()
    try:
        uvicorn.run(
            create_app(service),
            host=args.host,
            port=args.port,
            ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
            ssl_keyfile=str(args.tls_key) if args.tls_key else None,
            log_level="warning",
            timeout_graceful_shutdown=5,  # a client holding a connection open must not stall a restart
        )
    finally:
        stop.set()
        service.wake.set()
    return EXIT_OK
