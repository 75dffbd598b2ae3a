"""Any Prometheus answer that is not one finite number is that query's MetricsError, never another
exception: real Prometheus for what PromQL can return, a loopback stand-in for what a proxy returns."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from promoter.metrics import MetricsError, PrometheusSource
from tests.conftest import RunCli
from tests.promoter.fixtures import Fleet, bootstrapped, carries, drive, types

RANGE_VECTOR = "max_over_time(vector(1)[1m:10s])[1m:10s]"


def now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize(
    ("promql", "says"),
    [
        (RANGE_VECTOR, "matrix"),
        ('"a string"', "string"),
        ("NaN", "not a finite number"),
        ("vector(0) / 0", "not a finite number"),
        ("vector(1) / 0", "not a finite number"),
        ('label_replace(vector(1), "x", "a", "", "") or label_replace(vector(2), "x", "b", "", "")', "2 series"),
        ("sum(", "HTTP 400"),
    ],
)
def test_real_prometheus_answers_that_are_not_one_number_are_query_errors(fleet: Fleet, promql: str, says: str) -> None:
    with pytest.raises(MetricsError) as caught:
        PrometheusSource(fleet.url, timeout=5).query(promql, now())
    assert says in str(caught.value)


def test_real_prometheus_numbers_and_no_data(fleet: Fleet) -> None:
    source = PrometheusSource(fleet.url, timeout=5)
    assert source.query("vector(2.5)", now()) == 2.5
    assert source.query("scalar(vector(3))", now()) == 3.0
    assert source.query('hotswap_test_players{game="no-such-game"}', now()) is None


class _Proxy(BaseHTTPRequestHandler):
    """Answers every query with the status and body the test set."""

    answer: tuple[int, str, bytes] = (200, "application/json", b"")

    def do_GET(self) -> None:
        status, kind, body = type(self).answer
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[str, type[_Proxy]]]:
    handler = type("Handler", (_Proxy,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


J = "application/json"


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((502, "text/html", b"<html><body>502 Bad Gateway</body></html>"), "JSONDecodeError"),
        ((200, "text/html", b"<html>login</html>"), "JSONDecodeError"),
        ((200, J, b'{"status": "success", "data": '), "JSONDecodeError"),
        ((200, J, b""), "not a Prometheus API response"),
        ((200, J, b"[1, 2]"), "not a Prometheus API response"),
        ((200, J, b'{"status": "success"}'), "malformed answer"),
        ((200, J, b'{"status": "success", "data": []}'), "malformed answer"),
        ((200, J, b'{"status": "success", "data": {"resultType": "vector"}}'), "malformed vector"),
        ((200, J, b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}}'), "sample"),
        ((200, J, b'{"status":"success","data":{"resultType":"vector","result":[{"value":[1,5]}]}}'), "sample"),
        ((200, J, b'{"status":"success","data":{"resultType":"vector","result":["x"]}}'), "sample"),
        ((200, J, b'{"status":"success","data":{"resultType":"scalar","result":[1,"Inf"]}}'), "finite"),
        ((200, J, b'{"status":"success","data":{"resultType":"scalar","result":[1,"12abc"]}}'), "not a number"),
        ((200, J, b'{"status":"error","error":"query timed out"}'), "query timed out"),
        ((503, J, b'{"status":"error"}'), "HTTP 503"),
        ((200, J, b"[" * 100_000), "RecursionError"),
    ],
)
def test_a_proxy_answering_anything_else_is_a_query_error(
    proxy: tuple[str, type[_Proxy]], answer: tuple[int, str, bytes], says: str
) -> None:
    url, handler = proxy
    handler.answer = answer
    with pytest.raises(MetricsError) as caught:
        PrometheusSource(url, timeout=5).query("up", now())
    assert says in str(caught.value)


def test_a_range_vector_check_that_validate_accepts_is_an_error_verdict_and_the_pass_goes_on(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo, reconciler, _ = bootstrapped(tmp_path, fleet, game_name)
    policy = repo.work / f"configs/{game_name}/rollout-policy.yaml"
    text = policy.read_text()
    latency = next(line for line in text.splitlines() if "max(hotswap_test_latency" in line)
    changed = {str(policy.relative_to(repo.work)): text.replace(latency, f"        query: {RANGE_VECTOR}")}
    # A release is never judged by a check it changes itself (pipeline.policy_bound): the new query
    # is in force once that release has rolled out, and judges the next one.
    policy_release = repo.commit(damage=45, message="a check Prometheus answers with a range vector", files=changed)
    code, out, _ = run_cli(["validate", "--root", str(repo.work)])
    assert code == 0, out
    fleet.expose(game_name, policy_release)
    tag = f"refs/tags/release/{game_name}/{policy_release[:12]}"
    drive(lambda: reconciler.run_once([game_name]), lambda: tag in repo.refs(), timeout=120)
    release = repo.commit(damage=46, message="judged by the check now in force")
    fleet.expose(game_name, release)
    drive(lambda: reconciler.run_once([game_name]), lambda: carries(repo, release, [("NA-WEST", 10)]))
    # every evaluation now errors on that check: errorLimit (2) pauses the rollout, nothing raises
    drive(lambda: reconciler.run_once([game_name]), lambda: "pause" in types(repo, release))
    evaluations = [e for e in repo.events(release) if e["type"] == "evaluate"]
    assert [e["outcome"] for e in evaluations] == ["error", "error"]
    latency_check = next(c for c in evaluations[0]["checks"] if c["name"] == "latency")
    assert latency_check["verdict"] == "error" and "matrix" in latency_check["message"]
    assert "rollback" not in types(repo, release)
