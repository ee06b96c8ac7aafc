"""Login, registration and logout pages, over the same services and limits as the API."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, request, session, url_for

from app.auth import current_actor, principal_or_none, services
from app.errors import status_of
from app.extensions import limiter
from app.ratelimit import ip_key, limit_from, login_limits, mfa_limits
from app.web.forms import form_failed, form_state
from app.web.htmx import fragment, is_htmx, redirect_to, render
from app.web.navigation import current_user, landing_for, safe_next
from app.web.session_cookie import forget_session_cookie, set_session_cookie
from app.web.zones import canonical_timezone
from entities import mfa
from entities.errors import DomainError, ValidationFailed
from services.identity import MfaChallenge

bp = Blueprint("auth", __name__)

LOGIN_FORM = "partials/auth/_login_form.html"
CODE_FORM = "partials/auth/_code_form.html"
STAFF_NEED_A_FACTOR = (
    "Staff need two-step sign-in. Set up an authenticator app below, then sign out and in again with a code."
)
CODE_STEP_EXPIRED = "That sign-in took too long or was already used. Enter your email and password again."


def _login_page(forms=None, status=200):
    form = (forms or {}).get("login") or {"values": {"email": request.args.get("email", "")}}
    next_url = safe_next(request.values.get("next"), default="")
    return render("pages/auth/login.html", LOGIN_FORM, status, form=form, next_url=next_url)


def _code_page(mfa_token: str, email: str, forms=None, status=200):
    """The login's second step, in the same place as the first (the page, or the fragment for HTMX)."""
    form = (forms or {}).get("code") or {}
    next_url = safe_next(request.values.get("next"), default="")
    return render(
        "pages/auth/login.html", CODE_FORM, status, form=form, next_url=next_url, mfa_token=mfa_token, email=email
    )


@bp.get("/login")
def login():
    if principal_or_none() is not None:
        return redirect(landing_for(current_user()), 303)
    return _login_page()


@bp.post("/login")
@login_limits  # the API's limits, the API's order: a locked user hears 423, not 429
def login_submit():
    actor = current_actor()
    try:
        user = services().identity.authenticate(actor, request.form.get("email", ""), request.form.get("password", ""))
    except DomainError as error:
        return form_failed(
            error, "login", LOGIN_FORM, _login_page, next_url=safe_next(request.form.get("next"), default="")
        )
    if isinstance(user, MfaChallenge):  # SPEC 15: a user with a factor goes on to the code step
        return _code_page(user.mfa_token, user.user.email)
    return _signed_in(actor, user, mfa.PWD)


@bp.post("/login/code")
@mfa_limits  # the API's code-step limits: a login and its five wrong codes reach the lockout first
def login_code():
    """The second step: a code from the app, or a recovery code (its own field: it has letters)."""
    actor = current_actor()
    form = request.form
    mfa_token, email = form.get("mfa_token", ""), form.get("email", "")
    recovery = form.get("recovery_code", "").strip()
    try:
        user = services().identity.complete_mfa(actor, mfa_token, recovery or form.get("code", ""))
    except DomainError as error:
        return _code_failed(error, mfa_token, email, "recovery_code" if recovery else "code")
    return _signed_in(actor, user, mfa.PWD_OTP)


def _code_failed(error: DomainError, mfa_token: str, email: str, field: str):
    """A wrong code: the code step again. A spent or expired step, or a locked user: step one again
    (with the lock's words), the email filled in."""
    next_url = safe_next(request.form.get("next"), default="")
    if error.code == "invalid_code":
        return form_failed(
            error,
            "code",
            CODE_FORM,
            lambda **kw: _code_page(mfa_token, email, **kw),
            fields={"invalid_code": field},
            mfa_token=mfa_token,
            email=email,
            next_url=next_url,
        )
    state = {**form_state(error), "values": {"email": email}}
    if error.code == "invalid_token":
        state["message"] = CODE_STEP_EXPIRED
    status = status_of(error)
    if is_htmx():
        return fragment(LOGIN_FORM, status, form=state, next_url=next_url)
    return _login_page(forms={"login": state}, status=status)


def _signed_in(actor, user, amr):
    """Start the web session (``amr``: what the login verified) and go where this person works; a
    staff member whose factor is missing goes to enrol first (every staff page would refuse them)."""
    cookie = services().web_sessions.start(actor, user, amr=amr)
    session.pop("csrf_token", None)  # a fresh CSRF secret for the new login
    if services().mfa.needs_factor(user.role, amr):
        flash(STAFF_NEED_A_FACTOR, "info")
        response = redirect_to(url_for("settings.security"))
    else:
        response = redirect_to(safe_next(request.form.get("next"), default=landing_for(user)))
    set_session_cookie(response, cookie)
    return response


def _register_page(forms=None, status=200):
    form = (forms or {}).get("register") or {}
    return render("pages/auth/register.html", "partials/auth/_register_form.html", status, form=form)


@bp.get("/register")
def register():
    if principal_or_none() is not None:
        return redirect(landing_for(current_user()), 303)
    return _register_page()


@bp.post("/register")
@limiter.limit(limit_from("RATELIMIT_REGISTER"), key_func=ip_key)
def register_submit():
    form = request.form
    try:
        user = services().identity.register(
            current_actor(), form.get("email", ""), form.get("password", ""), form.get("full_name", "")
        )
    except DomainError as error:
        return form_failed(error, "register", "partials/auth/_register_form.html", _register_page)
    # Registering signs you in, in the browser's time zone (SPEC 10: a new user's zone is the browser's).
    me = replace(current_actor(), user_id=user.id, role=user.role)
    _adopt_browser_timezone(me, form.get("timezone"))
    cookie = services().web_sessions.start(me, user)
    session.pop("csrf_token", None)
    flash(f"Welcome, {user.full_name}. Open your first account to get started.", "success")
    response = redirect_to(url_for("dashboard.index"))
    set_session_cookie(response, cookie)
    return response


def _adopt_browser_timezone(actor, timezone) -> None:
    """The zone static/js/app.js read from the browser, under its current name (a browser may
    report an old alias such as "Asia/Calcutta", which the picker does not list); an unknown or
    missing one leaves UTC."""
    timezone = canonical_timezone(timezone) if timezone else None
    if not timezone or timezone == "UTC":
        return
    try:
        services().identity.update_profile(actor, timezone=timezone)
    except ValidationFailed:
        pass  # not a zone we know: the user can pick one under Security


@bp.post("/logout")
def logout():
    principal = principal_or_none()
    if principal is not None and hasattr(principal, "session_id"):
        services().web_sessions.end(current_actor(), principal.session_id)
    session.clear()
    flash("You are logged out.", "success")
    response = redirect_to(url_for("auth.login"))
    forget_session_cookie(response)
    return response
