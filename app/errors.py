"""Domain error -> problem+json (API), a toast (HTMX) or a page, in one place."""

from __future__ import annotations

import json
import logging

from flask import Response, current_app, g, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from entities import errors as domain_errors
from entities.errors import DomainError
from repository.errors import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger("corebank.errors")

STATUS_BY_CODE = {
    "validation_error": 422,
    "invalid_credentials": 401,
    "unauthorized": 401,
    "invalid_token": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "invalid_code": 401,
    "user_locked": 423,
    "account_locked": 423,
    "invalid_pin": 403,
    "forbidden": 403,
    "own_account": 403,
    "unlock_limit": 403,
    "mfa_required": 403,
    "same_person": 403,
    "csrf_failed": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "email_taken": 409,
    "account_unavailable": 409,
    "card_frozen": 409,
    "card_cancelled": 409,
    "card_exists": 409,
    "balance_not_zero": 409,
    "already_reversed": 409,
    "not_reversible": 409,
    "request_in_progress": 409,
    "hold_not_pending": 409,
    "not_capturable": 409,
    "mfa_enabled": 409,
    "approval_not_pending": 409,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "insufficient_funds": 422,
    "same_account": 422,
    "currency_mismatch": 422,
    "idempotency_key_reused": 422,
    "limit_exceeded": 422,
    "rate_limited": 429,
    "internal_error": 500,
    "service_unavailable": 503,
}
PROBLEM_TYPE = "urn:corebank:problem:"


def _domain_titles() -> dict[str, str]:
    found = {}
    for value in vars(domain_errors).values():
        if isinstance(value, type) and issubclass(value, DomainError) and value is not DomainError:
            found[value.code] = value.title
    return found


# Each code's short fixed phrase (the problem's ``title``); the ``detail`` says what happened this time.
TITLES = {
    **_domain_titles(),
    "method_not_allowed": "Method not allowed",
    "payload_too_large": "Payload too large",
    "rate_limited": "Too many requests",
    "csrf_failed": "CSRF check failed",
    "internal_error": "Internal error",
    "service_unavailable": "Service unavailable",
}


def status_of(error: DomainError) -> int:
    return STATUS_BY_CODE.get(error.code, 400)


def problem_body(code: str, title: str, detail: str, status: int, errors=None, **extra) -> dict:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": g.get("request_id"),
        "errors": list(errors or []),
    }
    body.update({k: v for k, v in extra.items() if k not in body})
    return body


def domain_problem(error: DomainError) -> tuple[int, dict]:
    status = status_of(error)
    return status, problem_body(error.code, error.title, error.detail, status, error.errors, **error.extra)


def problem_response(status: int, body: dict, headers=None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_json() -> bool:
    path = request.path
    return path == "/api" or path.startswith("/api/") or path in ("/healthz", "/readyz")


# How a page request hears an error (a page, a toast, a redirect to login): the web layer decides,
# and registers its renderer here (app/web/__init__.py), so this module never imports the web layer.
_web_renderer = None


def set_web_renderer(renderer) -> None:
    global _web_renderer
    _web_renderer = renderer


def respond(status: int, body: dict, headers=None):
    if wants_json() or _web_renderer is None:
        return problem_response(status, body, headers)
    return _web_renderer(status, body, headers)


def register_error_handlers(app) -> None:
    @app.errorhandler(DomainError)
    def handle_domain(error: DomainError):
        status, body = domain_problem(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 and wants_json() else None
        return respond(status, body, headers)

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limit(error: RateLimitExceeded):
        detail = f"The limit of {error.description} is reached; wait the seconds Retry-After gives, then try again"
        return respond(429, problem_body("rate_limited", TITLES["rate_limited"], detail, 429))

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        body = problem_body("csrf_failed", TITLES["csrf_failed"], error.description, 403)
        return respond(403, body)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status, body, headers = http_problem(error)
        return respond(status, body, headers)

    @app.errorhandler(DatabaseBusy)
    @app.errorhandler(DatabaseUnavailable)
    def handle_database_busy(error):
        # Nothing was committed (the transaction rolled back): the client may retry, with the same
        # Idempotency-Key for money. Never the driver's message: it can name tables and SQL.
        log.warning("database busy or unavailable: %s", type(error).__name__, extra={"request_id": g.get("request_id")})
        body = problem_body(
            "service_unavailable", TITLES["service_unavailable"], "The bank is busy; try again shortly.", 503
        )
        return respond(503, body, {"Retry-After": "1"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error", extra={"request_id": g.get("request_id")})
        body = problem_body(
            "internal_error", TITLES["internal_error"], "Something went wrong; quote the request id.", 500
        )
        return respond(500, body)


def http_problem(error: HTTPException) -> tuple[int, dict, dict]:
    """Werkzeug's own errors (no route, wrong method, body too large, unreadable request) as problems
    in our words: Werkzeug's text is for a generic server ("The requested URL was not found...")."""
    status, headers = error.code, {}
    if status == 404:
        code, detail = "not_found", _no_route()
    elif status == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or ()))
        headers["Allow"] = allowed  # RFC 9110: a 405 says which methods the resource takes
        code, detail = "method_not_allowed", f"{request.method} is not allowed here; this address takes {allowed}"
    elif status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        code, detail = "payload_too_large", f"The request body is larger than the {limit // 1024} KiB accepted here"
    elif status == 400:  # a request Werkzeug could not read (a malformed form or header)
        status, code, detail = 422, "validation_error", "The request could not be read"
    else:
        code, detail = "http_error", error.description or error.name
    return status, problem_body(code, TITLES.get(code, error.name), detail, status), headers


def _no_route() -> str:
    if wants_json():
        # The path as printable ASCII: no control, invisible or direction-changing character is echoed.
        path = "".join(c if c.isascii() and c.isprintable() else "?" for c in request.path[:200])
        return f"No API operation at {path}; /api/v1/docs lists them"
    return "No page at this address"


def render_error_page(status: int, body: dict):
    return render_template("pages/error.html", problem=body), status
