"""Login, registration and logout pages, over the same services and limits as the API."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, request, session, url_for

from app.auth import current_actor, principal_or_none, services
from app.extensions import limiter
from app.ratelimit import ip_key, limit_from, login_limits
from app.web.helpers import current_user, form_failed, landing_for, redirect_to, render, safe_next
from app.web.session_cookie import forget_session_cookie, set_session_cookie
from entities.errors import DomainError, ValidationFailed

bp = Blueprint("auth", __name__)


def _login_page(forms=None, status=200):
    form = (forms or {}).get("login") or {"values": {"email": request.args.get("email", "")}}
    next_url = safe_next(request.values.get("next"), default="")
    return render("pages/auth/login.html", "partials/auth/_login_form.html", status, form=form, next_url=next_url)


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
            error,
            "login",
            "partials/auth/_login_form.html",
            _login_page,
            next_url=safe_next(request.form.get("next"), default=""),
        )
    cookie = services().web_sessions.start(actor, user)
    session.pop("csrf_token", None)  # a fresh CSRF secret for the new login
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
    """The zone static/js/app.js read from the browser; an unknown or missing one leaves UTC."""
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
