"""Errors for browsers: a toast for HTMX requests, a page otherwise; no session means the login page."""

from __future__ import annotations

from urllib.parse import quote

from flask import make_response, redirect, render_template, request

from app.auth import SESSION_COOKIE
from app.web.htmx import hx_trigger, is_htmx
from app.web.messages import error_toast
from app.web.navigation import safe_next
from app.web.session_cookie import forget_session_cookie

LOGIN_PATH = "/login"


# The limiter's own words ("Rate limit exceeded: 5 per 1 minute") are for logs, not for people.
RATE_LIMITED = "Too many attempts in a short time from here. Wait a minute, then try again."
FORMS_THAT_ANSWER_429 = {
    "auth.login_submit": "partials/auth/_login_form.html",
    "auth.login_code": "partials/auth/_code_form.html",
}


def web_error(status: int, body: dict, headers=None):
    if body.get("code") == "rate_limited":
        body = {**body, "detail": RATE_LIMITED}
    if status == 429 and request.endpoint in FORMS_THAT_ANSWER_429 and is_htmx():
        # A correct login refused by the per-IP limit: say so in the form, where the person looks.
        form = {"values": {"email": request.form.get("email", "")}, "errors": {}, "message": RATE_LIMITED}
        next_url = safe_next(request.form.get("next"), default="")
        response = make_response(
            render_template(
                FORMS_THAT_ANSWER_429[request.endpoint],
                form=form,
                next_url=next_url,
                mfa_token=request.form.get("mfa_token", ""),  # the code step stays the code step
                email=request.form.get("email", ""),
            ),
            status,
        )
    elif status == 401:
        response = _to_login()
    elif request.headers.get("HX-Request") == "true":
        response = make_response(render_template("partials/_error.html", problem=body), status)
        hx_trigger(response, error_toast(body), level="error")
        response.headers["HX-Reswap"] = "none"
    else:
        response = make_response(render_template("pages/error.html", problem=body), status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _to_login():
    """No valid session (never had one, logged out, idle or expired): go to the login page, then come back."""
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = LOGIN_PATH
    else:
        back = safe_next(request.full_path.rstrip("?"), default="")
        target = f"{LOGIN_PATH}?next={quote(back)}" if back and back != "/" and request.method == "GET" else LOGIN_PATH
        response = redirect(target, 303)
    if request.cookies.get(SESSION_COOKIE):
        forget_session_cookie(response)
    return response
