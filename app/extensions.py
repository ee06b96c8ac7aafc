"""Unbound extensions; create_app binds them."""

from __future__ import annotations

import flask
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from werkzeug.datastructures import Headers

from app.ratelimit import limiter

__all__ = ["csrf", "limiter", "talisman"]

EXTENSION = "corebank_security_headers"


class PrecomputedTalisman(Talisman):
    """Flask-Talisman's headers, computed once per app instead of per response (issue 10: its
    after_request hook re-parses the CSP dict into a string and re-reads its options on every
    response). ``init_app`` lets Talisman configure the app as usual, then asks Talisman's own code for
    the headers of a plain and of an HTTPS request (HSTS is the only header that depends on the request)
    and replaces Talisman's per-request hooks with one that copies them. Headers are identical to
    Talisman's by construction (tests/unit/test_lean_security_headers.py compares them). Views with their
    own ``@talisman(...)`` options, CSP nonces and ``force_https`` keep Talisman's own per-request path."""

    def init_app(self, app, **options):
        super().init_app(app, **options)
        if self.force_https or self.content_security_policy_nonce_in:
            return  # per-request work is real there: keep Talisman's hooks
        if self.session_cookie_secure and not app.debug:  # what Talisman's _force_https did per request
            app.config["SESSION_COOKIE_SECURE"] = True
        app.extensions[EXTENSION] = (self._computed(app, secure=False), self._computed(app, secure=True))
        app.before_request_funcs[None].remove(self._force_https)
        app.before_request_funcs[None].remove(self._make_nonce)
        hooks = app.after_request_funcs[None]
        hooks[hooks.index(self._set_response_headers)] = precomputed_headers

    def _computed(self, app, *, secure: bool) -> tuple[tuple[str, str], ...]:
        url = "https://localhost/" if secure else "http://localhost/"
        with app.test_request_context(url):
            response = flask.Response()
            response.headers = Headers()
            self._set_response_headers(response)
        return tuple(response.headers.items())


def precomputed_headers(response):
    app = flask.current_app
    view = app.view_functions.get(flask.request.endpoint)
    if view is not None and hasattr(view, "talisman_view_options"):
        return talisman._set_response_headers(response)
    plain, secure = app.extensions[EXTENSION]
    request = flask.request
    chosen = secure if request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https" else plain
    headers = response.headers
    for name, value in chosen:
        headers[name] = value
    return response


csrf = CSRFProtect()
talisman = PrecomputedTalisman()
