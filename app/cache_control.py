"""Cache-Control: no-store on every API answer and on every page behind a login (SPEC section 2)."""

from __future__ import annotations

from flask import request

from app.auth import SESSION_COOKIE
from app.errors import wants_json


def init_app(app) -> None:
    app.after_request(no_store_private_answers)


def no_store_private_answers(response):
    """API answers (errors and 429s included) carry tokens, balances and card numbers; a signed-in
    browser's pages, partials, redirects and downloads do too (every HTML answer is no-store
    already: app/web sets it). Static assets stay cacheable."""
    if wants_json() or (request.cookies.get(SESSION_COOKIE) and request.endpoint != "static"):
        response.headers["Cache-Control"] = "no-store"
    return response
