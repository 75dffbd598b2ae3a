"""A git remote over HTTPS on loopback: `git http-backend` run as a CGI behind a small Python server
that answers 401 unless the request carries the expected Authorization header, so a fetch or push
that works proves the credentials were sent."""

from __future__ import annotations

import base64
import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM)."""
    cert, key = directory / "git-cert.pem", directory / "git-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def basic_header(token: str) -> str:
    """What HotSwap sends for HOTSWAP_GIT_TOKEN (GitHub's form: user x-access-token)."""
    return "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


@dataclass
class GitHttpsServer:
    url: str  # https://127.0.0.1:PORT: a bare repository ROOT/NAME.git is at URL/NAME.git
    cert: Path
    authorized: list[str] = field(default_factory=list)  # "METHOD PATH" of every request let through
    refused: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, header: str, git: str, record: GitHttpsServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root, self.header, self.git, self.record = root, header, git, record


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while size := int(self.rfile.readline().strip().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return body
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _cgi(self) -> None:
        request = f"{self.command} {self.path}"
        if self.headers.get("Authorization") != self.server.header:
            self.server.record.refused.append(request)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.record.authorized.append(request)
        body = self._body()
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "x-access-token",  # an authenticated user may push (http.receivepack)
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        out = subprocess.run(
            [self.server.git, "http-backend"], input=body, env=env, capture_output=True, check=False
        ).stdout
        ends = [(out.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n") if sep in out]
        end, sep = min(ends) if ends else (len(out), b"")
        head, payload = out[:end], out[end + len(sep) :]
        lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
        headers = [(n.strip(), v.strip()) for n, v in (line.split(":", 1) for line in lines if ":" in line)]
        status = next((int(value.split()[0]) for name, value in headers if name.lower() == "status"), 200)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("status", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def git_https(root: Path, token: str, workdir: Path) -> Iterator[GitHttpsServer]:
    """Serve the bare repositories under `root` over HTTPS, for requests authorized with `token`.
    Clients trust the certificate through GIT_SSL_CAINFO=server.cert."""
    cert, key = self_signed(workdir)
    git = shutil.which("git")
    assert git is not None
    record = GitHttpsServer("", cert)
    server = _Server(root, basic_header(token), os.path.realpath(git), record)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    record.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
