"""JSON log lines to stdout and a rotating file under logs/. Never secrets.

A request thread never writes a log line itself: the ``corebank`` logger has one handler, a
``QueueHandler``, and a ``QueueListener`` thread formats each record once and writes it to stdout
and to the file (issue 10: two handlers each formatting and flushing every line cost ≈ 127 µs a
request). The queue is drained on shutdown (atexit, and ``AsyncLog.stop``); a forked worker (gunicorn
forks after ``create_app``) starts a listener of its own, since threads do not survive a fork."""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import sys
import time
from logging.handlers import QueueHandler, QueueListener, RotatingFileHandler
from pathlib import Path

from flask import g, request

_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = getattr(record, "_json_line", None)  # formatted once, however many handlers write it
        if line is not None:
            return line
        out = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                out[name] = getattr(record, name)
        text = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else None)
        if text:
            out["exception"] = text
        record._json_line = line = json.dumps(out, default=str)
        return line


class _Enqueue(QueueHandler):
    """Hands the record over as it is: formatting happens once, in the listener thread. An exception's
    traceback is rendered here, while the frames still exist (the record must not hold them)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return record


class AsyncLog:
    """One queue, one listener thread, the sinks behind it (stdout and ``logs/corebank.log``)."""

    def __init__(self, sinks: list[logging.Handler]):
        formatter = JsonFormatter()
        for sink in sinks:
            sink.setFormatter(formatter)
        self.sinks = sinks
        self.handler = _Enqueue(queue.SimpleQueue())
        self.listener: QueueListener | None = None

    def start(self) -> None:
        self.listener = QueueListener(self.handler.queue, *self.sinks, respect_handler_level=False)
        self.listener.start()

    def stop(self) -> None:
        """Write out everything queued, then stop the thread (shutdown; idempotent)."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
        for sink in self.sinks:
            try:
                sink.flush()
            except (OSError, ValueError):  # stdout already closed at interpreter exit
                pass

    def flush(self) -> None:
        """Wait until every line queued so far is written (tests; the listener keeps running)."""
        self.stop()
        self.start()

    def after_fork(self) -> None:
        """In a forked child: the parent's listener thread is not here; start one on a fresh queue."""
        self.handler.queue = queue.SimpleQueue()
        self.listener = None
        self.start()


_async_log: AsyncLog | None = None


def async_log() -> AsyncLog | None:
    return _async_log


def _install(log_dir: Path) -> None:
    global _async_log
    stream = logging.StreamHandler(sys.stdout)
    log_dir.mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(log_dir / "corebank.log", maxBytes=10 * 1024 * 1024, backupCount=5)
    _async_log = AsyncLog([stream, file_handler])
    _async_log.start()
    logging.getLogger("corebank").addHandler(_async_log.handler)
    atexit.register(_async_log.stop)
    os.register_at_fork(after_in_child=_async_log.after_fork)


def configure_logging(app) -> None:
    root = logging.getLogger("corebank")
    root.setLevel(logging.INFO)
    root.propagate = False
    if not root.handlers:
        _install(Path(app.config["LOG_DIR"]))
    access = logging.getLogger("corebank.access")

    @app.before_request
    def start_timer():
        g.started_at = time.perf_counter()

    @app.after_request
    def log_request(response):
        principal = g.get("principal")
        user_id = getattr(principal, "user_id", None) or getattr(getattr(principal, "user", None), "id", None)
        # Only the path is logged, never the query string or body (they may carry secrets).
        started = g.get("started_at")
        access.info(
            "request",
            extra={
                "request_id": g.get("request_id"),
                "user_id": user_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else 0.0,
            },
        )
        return response
