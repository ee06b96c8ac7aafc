"""Who is calling: a bearer token (API) or a web session cookie -> the current principal."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from entities.errors import DomainError, Unauthorized
from entities.users import Actor

SESSION_COOKIE = "corebank_session"


def services():
    return current_app.extensions["corebank"]


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate():
    """Resolve the caller once per request. Raises a token error for a bad bearer token."""
    if "principal" in g:
        if g.get("auth_error"):
            raise g.auth_error
        return g.principal
    g.principal, g.auth_error = None, None
    if request.path.startswith("/api/"):
        token = _bearer_token()
        if token:
            try:
                g.principal = services().tokens.authenticate(token)
            except DomainError as error:
                g.auth_error = error
                raise
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            web = services().web_sessions.resolve(cookie)
            if web is not None:
                g.principal = web
                g.web_user = web.user
    return g.principal


def principal_or_none():
    try:
        return authenticate()
    except DomainError:
        return None


def current_actor() -> Actor:
    principal = principal_or_none()
    meta = {
        "ip": request.remote_addr,
        "user_agent": request.headers.get("User-Agent"),
        "request_id": g.get("request_id"),
    }
    if principal is None:
        return Actor(**meta)
    if hasattr(principal, "user"):  # web session
        return Actor(user_id=principal.user.id, role=principal.user.role, session_id=principal.session_id, **meta)
    return Actor(user_id=principal.user_id, role=principal.role, session_id=principal.session_id, **meta)


def require_actor() -> Actor:
    """The authenticated actor, or 401."""
    if authenticate() is None:
        raise Unauthorized()
    return current_actor()


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        require_actor()
        return view(*args, **kwargs)

    return wrapper
