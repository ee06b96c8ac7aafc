"""X-Request-ID: the client's own when well-formed (1-128 of [A-Za-z0-9._-]), else a new one."""

from __future__ import annotations

import re
import uuid

from flask import g, request

_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")  # matched whole: "$" would let a trailing newline in


def init_request_id(app) -> None:
    @app.before_request
    def assign():
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _VALID.fullmatch(supplied) else uuid.uuid4().hex

    @app.after_request
    def echo(response):
        response.headers["X-Request-ID"] = g.get("request_id") or uuid.uuid4().hex
        return response
