"""bench/openloop.py: the fixed-rate schedule, percentiles, and the generator against a tiny local
server. No durations are asserted, only lower bounds the server's own sleep guarantees."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import openloop


def test_schedule_is_fixed_rate_whatever_the_answers():
    assert openloop.schedule(4, 1.0) == [0.0, 0.25, 0.5, 0.75]
    assert len(openloop.schedule(250, 2.0)) == 500
    assert openloop.schedule(0, 5) == [] and openloop.schedule(10, 0) == []


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert [openloop.percentile(values, p) for p in (50, 90, 99, 100)] == [50, 90, 99, 100]
    assert openloop.percentile([7.0], 99) == 7.0
    assert openloop.percentile([], 50) is None


def test_http_request_bytes():
    raw = openloop.http_request("POST", "/t", "h:1", body=b"{}", headers={"Idempotency-Key": "k"})
    head = b"POST /t HTTP/1.1\r\nHost: h:1\r\nConnection: keep-alive\r\nIdempotency-Key: k\r\n"
    assert raw == head + b"Content-Length: 2\r\n\r\n{}"


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stall_first_s = 0.0
    seen: list

    def do_GET(self):
        self.seen.append(self.path)
        if self.path == "/r/0" and self.stall_first_s:
            time.sleep(self.stall_first_s)
        body = b"ok" if len(self.seen) % 2 else b""  # an empty body too
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-request (wrk stopping, the generator closing) is expected


@pytest.fixture
def serve():
    servers = []

    def start(stall_first_s=0.0):
        handler = type("Handler", (_Server,), {"seen": [], "stall_first_s": stall_first_s})
        server = _QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1], handler.seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _request(port):
    return lambda i: openloop.http_request("GET", f"/r/{i}", f"127.0.0.1:{port}")


def test_every_scheduled_request_is_sent_once_at_its_intended_time_or_later(serve):
    port, seen = serve()
    result = openloop.run("127.0.0.1", port, _request(port), 200, 0.25)
    assert len(result.samples) == 50
    start = result.samples[0].intended
    for i, sample in enumerate(result.samples):
        assert sample.index == i
        assert sample.intended - start == pytest.approx(i / 200)
        assert sample.status == 200
        assert sample.intended <= sample.sent <= sample.done
    assert sorted(seen) == sorted(f"/r/{i}" for i in range(50))
    summary = result.summary(expect=200)
    assert (summary["sent"], summary["answered_as_expected"], summary["errors"]) == (50, 50, 0)


def test_latency_counts_from_the_intended_time_so_a_stall_shows(serve):
    """One connection and a server that stalls the first request 0.3 s: requests 1..9 were due
    during the stall, are sent after it, and their latency includes the wait (no coordinated
    omission), while the latency from the actual send does not."""
    port, _seen = serve(stall_first_s=0.3)
    result = openloop.run("127.0.0.1", port, _request(port), 100, 0.1, max_connections=1, warm_connections=1)
    assert [s.status for s in result.samples] == [200] * 10
    first = result.samples[0]
    assert first.latency_ms >= 300
    for i, sample in enumerate(result.samples[1:], start=1):
        assert sample.sent >= first.intended + 0.3
        assert sample.latency_ms - sample.service_ms >= 300 - 10 * i - 1e-6
    assert result.summary(expect=200)["p99_ms"] >= 300
