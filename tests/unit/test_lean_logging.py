"""Issue 10: the access log goes through one non-blocking handler (a queue and one listener thread);
the JSON line keeps its fields and the request id, is written once to each sink, and nothing queued
is lost when the log is stopped (shutdown)."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from logging.handlers import QueueHandler

from app import create_app
from app.logging_setup import AsyncLog, async_log


def test_the_corebank_logger_has_one_queue_handler(app_config):
    create_app(app_config)
    handlers = [h for h in logging.getLogger("corebank").handlers if not type(h).__module__.startswith("_pytest")]
    assert len(handlers) == 1 and isinstance(handlers[0], QueueHandler), handlers  # (pytest's caplog aside)


def test_an_access_line_keeps_its_fields_and_request_id(app_config):
    client = create_app(app_config).test_client()
    request_id = f"lean-log-{time.time_ns()}"
    assert client.get("/healthz?secret=do-not-log", headers={"X-Request-ID": request_id}).status_code == 200
    log = async_log()
    log.flush()
    path = next(sink.baseFilename for sink in log.sinks if hasattr(sink, "baseFilename"))
    with open(path, encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle if request_id in line]
    assert len(lines) == 1
    [line] = lines
    assert set(line) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "user_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert (line["logger"], line["message"], line["level"]) == ("corebank.access", "request", "INFO")
    assert (line["request_id"], line["method"], line["path"], line["status"]) == (request_id, "GET", "/healthz", 200)
    assert line["user_id"] is None and line["duration_ms"] >= 0
    assert line["time"].endswith("Z")


class _Gate(logging.Handler):
    """A sink that cannot write until the gate opens (a slow disk, a full pipe)."""

    def __init__(self):
        super().__init__()
        self.open = threading.Event()
        self.lines: list[str] = []

    def emit(self, record):
        self.open.wait(10)
        self.lines.append(self.format(record))


def test_a_slow_sink_never_blocks_the_caller_and_stop_writes_everything_queued():
    gate, memory = _Gate(), logging.StreamHandler(io.StringIO())
    log = AsyncLog([gate, memory])
    log.start()
    logger = logging.getLogger("corebank-test-lean-queue")
    logger.propagate = False
    logger.addHandler(log.handler)
    try:
        started = time.perf_counter()
        for n in range(50):
            logger.warning("line %d", n, extra={"request_id": f"r{n}"})
        assert time.perf_counter() - started < 1.0  # the sink is blocked: the caller only enqueued
        assert gate.lines == []
        gate.open.set()
        log.stop()
    finally:
        logger.removeHandler(log.handler)
    assert [json.loads(line)["message"] for line in gate.lines] == [f"line {n}" for n in range(50)]
    assert memory.stream.getvalue().splitlines() == gate.lines  # one line, formatted once, in each sink


def test_an_exception_is_logged_with_its_traceback():
    memory = logging.StreamHandler(io.StringIO())
    log = AsyncLog([memory])
    log.start()
    logger = logging.getLogger("corebank-test-lean-exception")
    logger.propagate = False
    logger.addHandler(log.handler)
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("failed")
        log.stop()
    finally:
        logger.removeHandler(log.handler)
    [line] = [json.loads(text) for text in memory.stream.getvalue().splitlines()]
    assert line["message"] == "failed" and "RuntimeError: boom" in line["exception"]
