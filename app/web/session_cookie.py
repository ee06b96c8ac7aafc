"""The web session cookie (SPEC section 2): HttpOnly, SameSite=Lax, Secure outside development."""

from __future__ import annotations

from flask import current_app

from app.auth import SESSION_COOKIE


def _secure() -> bool:
    # SPEC section 2: Secure outside development (browsers treat 127.0.0.1 and localhost as
    # secure contexts, so the test server on loopback still receives it).
    return current_app.config["COREBANK_ENV"] != "development"


def set_session_cookie(response, value: str) -> None:
    hours = current_app.extensions["corebank"].settings.web_absolute_hours
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=hours * 3600,
        path="/",
        secure=_secure(),
        httponly=True,
        samesite="Lax",
    )


def forget_session_cookie(response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure(), httponly=True, samesite="Lax")
