"""Errors for browsers: a toast for HTMX requests, a page otherwise."""

from __future__ import annotations

import json

from flask import make_response, render_template, request


def web_error(status: int, body: dict, headers=None):
    if request.headers.get("HX-Request") == "true":
        response = make_response(render_template("partials/_error.html", problem=body), status)
        response.headers["HX-Trigger"] = json.dumps({"toast": {"level": "error", "message": body["detail"]}})
        response.headers["HX-Reswap"] = "none"
    else:
        response = make_response(render_template("pages/error.html", problem=body), status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
