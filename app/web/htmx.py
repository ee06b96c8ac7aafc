"""HTMX and plain requests from one view: page or partial, the one HX-Trigger writer, where to go next."""

from __future__ import annotations

import json

from flask import Response, flash, make_response, redirect, render_template, request


def is_htmx() -> bool:
    """An HTMX request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(page: str, partial: str, status: int = 200, **context) -> Response:
    """The full page for a normal request, its partial (which the page includes) for HTMX."""
    return make_response(render_template(partial if is_htmx() else page, **context), status)


def fragment(template: str, status: int = 200, **context) -> Response:
    return make_response(render_template(template, **context), status)


def hx_trigger(response: Response, toast: str | None = None, level: str = "success", events=()) -> Response:
    """The one writer of HX-Trigger: a toast and the events that make fragments refresh themselves."""
    payload = json.loads(response.headers.get("HX-Trigger", "{}"))
    payload.update({name: True for name in events})
    if toast:
        payload["toast"] = {"level": level, "message": toast}
    if payload:
        response.headers["HX-Trigger"] = json.dumps(payload)
    return response


def done(message: str, redirect_url: str, *, events=(), partial: str | None = None, **context) -> Response:
    """After a successful action: HTMX gets the fragment (or nothing) with a toast and refresh events;
    a plain form post gets a flashed message and a 303 redirect."""
    if is_htmx():
        body = render_template(partial, **context) if partial else ""
        return hx_trigger(make_response(body, 200), message, events=events)
    flash(message, "success")
    return redirect(redirect_url, 303)


def redirect_to(url: str) -> Response:
    """Navigate the whole page: HX-Redirect for HTMX, 303 otherwise."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
