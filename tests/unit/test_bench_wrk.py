"""bench/wrk.py and bench/requests.lua: wrk's report parsed, the plan written, and the Lua script
giving every POST a unique Idempotency-Key and its bearer token (against a tiny local server)."""

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import wrk

TEXT_REPORT = """Running 20s test @ http://127.0.0.1:8000
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    45.10ms   12.01ms   1.20s    80.00%
    Req/Sec   355.12     40.00   450.00     70.00%
  Latency Distribution
     50%   42.00ms
     75%   50.00ms
     90%   60.50ms
     99%  110.00us
  14210 requests in 20.02s, 9.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:    709.79
Transfer/sec:    465.38KB
"""


def test_text_report_is_parsed():
    result = wrk.parse(TEXT_REPORT)
    assert (result.requests, result.seconds) == (14210, 20.02)
    assert (result.status_errors, result.socket_errors, result.errors) == (7, 3, 10)
    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (42.0, 60.5, 0.11, 1200.0)
    assert result.rate == pytest.approx(14210 / 20.02)


def test_text_report_without_errors_or_distribution():
    report = "  2 threads and 32 connections\n  300 requests in 1.00m, 1.00MB read\nRequests/sec:      5.00\n"
    result = wrk.parse(report)
    assert (result.requests, result.seconds, result.errors, result.p99_ms) == (300, 60.0, 0, None)


def test_the_lua_summary_line_wins_over_the_text():
    line = (
        'WRK_JSON {"requests":5000,"duration_us":10000000,"bytes":1,"connect":1,"read":0,"write":0,'
        '"status":4,"timeout":2,"p50_us":1500,"p90_us":2500,"p99_us":9000,"max_us":20000,"mean_us":1700.5}'
    )
    result = wrk.parse(TEXT_REPORT + line + "\n")
    assert (result.requests, result.seconds, result.rate) == (5000, 10.0, 500.0)
    assert (result.status_errors, result.socket_errors) == (4, 3)
    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (1.5, 2.5, 9.0, 20.0)


def test_not_a_report_is_an_error():
    with pytest.raises(ValueError):
        wrk.parse("wrk: command not found\n")


def test_plan_lines_and_refused_fields():
    text = wrk.plan_lines([("GET", "/healthz", None, None), ("POST", "/x", "tok", {"a": 1, "b": "c d"})])
    assert text == 'GET\t/healthz\t-\t\nPOST\t/x\ttok\t{"a":1,"b":"c d"}\n'
    with pytest.raises(ValueError):
        wrk.plan_lines([("POST", "/x", "bad\ttoken", None)])


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list
    lock = threading.Lock()

    def _answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.seen.append((self.command, self.path, dict(self.headers), body))
        payload = b'{"ok":true}'
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-request (wrk stopping, the generator closing) is expected


@pytest.fixture
def recorder():
    handler = type("Recorder", (_Recorder,), {"seen": []})
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler.seen
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian's package) is not installed")
def test_lua_script_sends_unique_keys_and_each_line_its_token(recorder, tmp_path):
    server, seen = recorder
    plan = tmp_path / "plan"
    plan.write_text(
        wrk.plan_lines(
            [
                ("POST", "/api/v1/transfers", "token-a", {"from_account_id": 1, "amount_cents": 1}),
                ("POST", "/api/v1/transfers", "token-b", {"from_account_id": 2, "amount_cents": 1}),
                ("GET", "/healthz", None, None),
            ]
        )
    )
    result = wrk.run(f"http://127.0.0.1:{server.server_address[1]}", plan, 1, connections=4, threads=2)
    assert 0 < result.requests <= len(seen)
    assert result.errors == 0
    posts = [(headers, body) for method, _path, headers, body in seen if method == "POST"]
    gets = [headers for method, path, headers, _body in seen if method == "GET" and path == "/healthz"]
    assert posts and gets
    keys = [headers["Idempotency-Key"] for headers, _ in posts]
    assert len(set(keys)) == len(keys)
    for headers, body in posts:
        expected = {1: "Bearer token-a", 2: "Bearer token-b"}[json.loads(body)["from_account_id"]]
        assert headers["Authorization"] == expected
        assert headers["Content-Type"] == "application/json"
    assert all("Authorization" not in h and "Idempotency-Key" not in h for h in gets)
