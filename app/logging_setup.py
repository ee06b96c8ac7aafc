"""JSON log lines to stdout and a rotating file under logs/. Never secrets."""

from __future__ import annotations

import json
import logging
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

from flask import g, request

_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(app) -> None:
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    root = logging.getLogger("corebank")
    root.setLevel(logging.INFO)
    root.propagate = False
    if not root.handlers:
        stream = logging.StreamHandler(sys.stdout)
        stream.setFormatter(formatter)
        root.addHandler(stream)
        log_dir = Path(app.config["LOG_DIR"])
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = RotatingFileHandler(log_dir / "corebank.log", maxBytes=10 * 1024 * 1024, backupCount=5)
        file_handler.setFormatter(formatter)
        root.addHandler(file_handler)
    access = logging.getLogger("corebank.access")

    @app.before_request
    def start_timer():
        g.started_at = time.perf_counter()

    @app.after_request
    def log_request(response):
        principal = g.get("principal")
        user_id = getattr(principal, "user_id", None) or getattr(getattr(principal, "user", None), "id", None)
        # Only the path is logged, never the query string or body (they may carry secrets).
        access.info(
            "request",
            extra={
                "request_id": g.get("request_id"),
                "user_id": user_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started_at", time.perf_counter())) * 1000, 2),
            },
        )
        return response
