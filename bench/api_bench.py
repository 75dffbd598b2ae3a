"""Benchmark: `GET /api/v1/deployments` and the status page with 50 games in flight, against
uvicorn serving a static JSON body of the same size as the floor, in one run.

    python bench/api_bench.py [--games 50] [--requests 200] [--clients 4]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import jwt
import requests
import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

from bench.promoter_bench import GIT, run, setup
from promoter.service.app import Service, create_app
from promoter.service.auth import AuthSettings
from promoter.service.limits import RateLimiter

SECRET = "bench-secret-bench-secret-bench-secret"


def serve(app: FastAPI) -> tuple[uvicorn.Server, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def load(url: str, headers: dict[str, str], total: int, clients: int) -> tuple[float, float]:
    """Requests per second and p99 latency (s) of `total` GETs from `clients` threads."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(session: requests.Session) -> None:
        t0 = time.perf_counter()
        response = session.get(url, headers=headers, timeout=60)
        assert response.status_code == 200, response.status_code
        with lock:
            latencies.append(time.perf_counter() - t0)

    sessions = [requests.Session() for _ in range(clients)]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda i: one(sessions[i % clients]), range(total)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return total / elapsed, latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotswap-api-bench-"))
    try:
        s = setup(tmp, args.games)
        work, remote_path, remote, reconciler, clock = s.work, s.remote_path, s.remote, s.reconciler, s.clock
        reconciler.run_once()  # bootstrap
        for path in (work / "configs").glob("game-*/balance/weapons.yaml"):
            path.write_text(path.read_text().replace("damage: 45", "damage: 47", 1))
        run(*GIT, "commit", "-q", "-am", "buff rifles", cwd=work)
        run("git", "push", "-q", str(remote_path), "main", cwd=work)
        reconciler.run_once()  # every game at its first ring
        clock[0] += timedelta(minutes=31)
        reconciler.run_once()  # and evaluated once: every game has a rollout in flight with numbers
        remote.fetch()

        service = Service(remote, reconciler, AuthSettings(secret=SECRET), None, interval=3600, public_status=True)
        service.limiter = RateLimiter(rate=1e9, burst=10**9)  # measure the work, not the limiter
        api_server, api = serve(create_app(service))
        token = jwt.encode(
            {"sub": "bench", "role": "viewer", "exp": int(time.time()) + 3600}, SECRET, algorithm="HS256"
        )
        headers = {"Authorization": f"Bearer {token}"}
        body = requests.get(api + "/api/v1/deployments", headers=headers, timeout=60).content
        in_flight = sum(
            1
            for d in requests.get(api + "/api/v1/deployments", headers=headers, timeout=60).json()["deployments"]
            if d["state"] == "in-progress"
        )

        static = FastAPI()

        @static.get("/static")
        def static_body() -> Response:
            return Response(body, media_type="application/json")

        floor_server, floor = serve(static)
        print(f"games in flight: {in_flight}; /api/v1/deployments body: {len(body):,} bytes")
        floor_rps, floor_p99 = load(floor + "/static", {}, args.requests, args.clients)
        print(
            f"floor, uvicorn serving the same body from memory: {floor_rps:,.0f} req/s, p99 {floor_p99 * 1000:.1f} ms"
        )
        rps, p99 = load(api + "/api/v1/deployments", headers, args.requests, args.clients)
        print(
            f"GET /api/v1/deployments: {rps:,.1f} req/s, p99 {p99 * 1000:.1f} ms ({floor_rps / rps:.1f}x slower than the floor)"
        )
        page_rps, page_p99 = load(api + "/", {}, max(20, args.requests // 4), args.clients)
        print(f"GET / (status page): {page_rps:,.1f} req/s, p99 {page_p99 * 1000:.1f} ms")
        api_server.should_exit = floor_server.should_exit = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
