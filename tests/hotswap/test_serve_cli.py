"""`hotswap serve` as a process: TLS with a given certificate, and its usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import RunCli
from tests.promoter.fixtures import free_port, make_game_repo


def test_serve_speaks_tls_with_the_given_certificate(tmp_path: Path) -> None:
    repo = make_game_repo(tmp_path, "tls-game")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    env = {**os.environ, "HOTSWAP_JWT_SECRET": "s" * 40}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotswap",
            "serve",
            "--remote",
            repo.url,
            "--cache",
            str(tmp_path / "cache"),
            "--prometheus",
            "http://127.0.0.1:9",
            "--port",
            str(port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        response = None
        while time.monotonic() < deadline and response is None:
            try:
                response = requests.get(f"https://127.0.0.1:{port}/healthz", verify=str(cert), timeout=2)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert response is not None and response.json() == response.json() | {"ok": True, "loop": "running"}
        assert requests.get(f"https://127.0.0.1:{port}/api/v1/games", verify=str(cert), timeout=5).status_code == 401
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "s" * 40 not in err  # the secret is never logged


def test_serve_refuses_to_start_without_authentication(tmp_path: Path, run_cli: RunCli) -> None:
    env_before = {
        k: os.environ.pop(k) for k in ("HOTSWAP_JWT_SECRET", "HOTSWAP_JWT_PUBLIC_KEY_FILE") if k in os.environ
    }
    try:
        code, _, err = run_cli(["serve", "--remote", str(tmp_path), "--prometheus", "http://127.0.0.1:9"])
        assert code == 2 and "HOTSWAP_JWT_SECRET" in err
        code, _, err = run_cli(["serve", "--remote", str(tmp_path), "--prometheus", "http://x", "--tls-cert", "c.pem"])
        assert code == 2 and "--tls-cert and --tls-key go together" in err
    finally:
        os.environ.update(env_before)
