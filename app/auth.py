"""Who is calling: a bearer token (API) or a web session cookie -> the current principal."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, redirect, request

from entities.errors import DomainError, MfaRequired, Unauthorized
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
        user_id, role = principal.user.id, principal.user.role
    else:
        user_id, role = principal.user_id, principal.role
    return Actor(
        user_id=user_id,
        role=role,
        session_id=principal.session_id,
        amr=principal.amr,
        factor_missing=services().mfa.needs_factor(role, principal.amr),
        **meta,
    )


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


# SPEC 15: what a teller or admin whose session lacks the second factor may still do: sign in, out
# and again, read and change their own profile and password, see their sessions, and enrol.
FACTOR_FREE_ENDPOINTS = frozenset(
    {
        "api.register",
        "api.login",
        "api.login_mfa",
        "api.refresh",
        "api.logout",
        "api.me",
        "api.update_me",
        "api.change_password",
        "api.my_sessions",
        "api.enrol_mfa",
        "api.confirm_mfa",
        "api.disable_mfa",
        "api.openapi_json",
        "api.api_docs",
        "static",
    }
)
FACTOR_FREE_BLUEPRINTS = frozenset({"auth", "settings", "health"})
SECURITY_PAGE = "/settings/security"


def refuse_missing_factor():
    """The request layer's half of the staff rule (the services' half is ``Actor.is_staff``): a
    teller or admin whose session was not verified with a second factor, while
    MFA_REQUIRED_FOR_STAFF is on, gets 403 mfa_required on everything but the enrolment path, before
    a body is read, so no route answers such a caller otherwise. The denial is audited."""
    endpoint = request.endpoint or ""
    if endpoint in FACTOR_FREE_ENDPOINTS or endpoint.partition(".")[0] in FACTOR_FREE_BLUEPRINTS:
        return None
    principal = principal_or_none()
    if principal is None:
        return None
    actor = current_actor()
    if not actor.factor_missing:
        return None
    if endpoint == "dashboard.index":  # a staff member's start page: straight to enrolment
        return redirect(SECURITY_PAGE, 303)
    services().audit.record(actor, "mfa.required", "denied", "route", None, endpoint=endpoint)
    raise MfaRequired("Staff must sign in with a second factor: enrol on the security page, then sign in again")
