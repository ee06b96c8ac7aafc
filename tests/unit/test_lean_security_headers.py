"""Issue 10: the security headers are computed once per app, yet every response carries exactly the
headers stock Flask-Talisman would set with the same options, over HTTP and HTTPS, in development
and in production (where HSTS is added on HTTPS only)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_talisman import Talisman

from app import create_app, security_header_options

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "Strict-Transport-Security",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "X-XSS-Protection",
    "X-Download-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Document-Policy",
    "Feature-Policy",
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self';"
    " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def _stock(development: bool):
    """A bare Flask app with stock Talisman and Corebank's options: what the headers must be."""
    bare = Flask(__name__)
    Talisman(bare, **security_header_options(development))
    bare.add_url_rule("/<path:anything>", "anything", lambda anything: "ok")
    return bare.test_client()


def _security(response) -> dict:
    return {name: response.headers.getlist(name) for name in SECURITY_HEADERS if name in response.headers}


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize(
    "how",
    [
        {},
        {"base_url": "https://localhost"},
        {"headers": {"X-Forwarded-Proto": "https"}},
    ],
    ids=["http", "https", "forwarded-https"],
)
@pytest.mark.parametrize("path", ["/healthz", "/login", "/api/v1/me", "/no-such-page"])
def test_headers_are_stock_talismans(app_config, env, how, path):
    ours = create_app({**app_config, "COREBANK_ENV": env}).test_client()
    expected = _security(_stock(env == "development").get(path, **how))
    got = _security(ours.get(path, **how))
    assert got == expected
    assert got["Content-Security-Policy"] == [CSP]
    assert got["X-Frame-Options"] == ["DENY"]
    secure = bool(how)
    assert ("Strict-Transport-Security" in got) == (secure and env == "production")
