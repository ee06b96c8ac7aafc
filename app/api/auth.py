"""POST /auth/register, /auth/login, /auth/refresh, /auth/logout."""

from __future__ import annotations

from flask import g

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_body
from app.api.schemas import LoginIn, LogoutIn, RefreshIn, RegisterIn
from app.auth import current_actor, require_actor, services
from app.extensions import limiter
from app.ratelimit import ip_key, limit_from, login_limits
from services.identity import MfaChallenge


@operation(
    bp,
    "POST",
    "/auth/register",
    "Register a customer",
    tag="auth",
    body=RegisterIn,
    status=201,
    response="User",
    auth=False,
    errors=(409, 422, 429),
)
@limiter.limit(limit_from("RATELIMIT_REGISTER"), key_func=ip_key)
def register():
    data = parse_body(RegisterIn)
    user = services().identity.register(current_actor(), data.email, data.password, data.full_name)
    return json_response(out.user(user), 201)


@operation(
    bp,
    "POST",
    "/auth/login",
    "Log in: a token pair",
    tag="auth",
    body=LoginIn,
    response="TokenPair|MfaChallenge",
    auth=False,
    errors=(401, 422, 423, 429),
)
@login_limits
def login():
    """A user with a second factor gets `{mfa_required: true, mfa_token, expires_in}` and no tokens:
    the login goes on at `POST /auth/mfa` with a code."""
    data = parse_body(LoginIn)
    actor = current_actor()
    user = services().identity.authenticate(actor, data.email, data.password)
    if isinstance(user, MfaChallenge):
        return json_response({"mfa_required": True, "mfa_token": user.mfa_token, "expires_in": user.expires_in})
    pair = services().tokens.issue(actor, user)
    return json_response({**pair, "user": out.user(user)})


@operation(
    bp,
    "POST",
    "/auth/refresh",
    "Rotate a refresh token",
    tag="auth",
    body=RefreshIn,
    response="TokenPair",
    auth=False,
    errors=(401, 422, 423, 429),
)
@limiter.limit(limit_from("RATELIMIT_REFRESH"), key_func=ip_key)
def refresh():
    data = parse_body(RefreshIn)
    pair, user = services().tokens.refresh(current_actor(), data.refresh_token)
    return json_response({**pair, "user": out.user(user)})


@operation(
    bp,
    "POST",
    "/auth/logout",
    "Revoke the access token and its refresh tokens",
    tag="auth",
    body=LogoutIn,
    status=204,
    errors=(401, 422),
)
def logout():
    actor = require_actor()
    data = parse_body(LogoutIn)
    services().tokens.logout(actor, g.principal, data.refresh_token)
    return "", 204
