"""Profile and security: name and time zone, password, two-step sign-in, and the active sessions."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cache

from flask import Blueprint, flash, request, url_for

from app.auth import require_actor, services
from app.errors import status_of
from app.ratelimit import password_change_limit
from app.web import two_step
from app.web.forms import NOT_FORM_ERRORS, form_failed, form_state
from app.web.htmx import done, fragment, is_htmx, redirect_to, render
from entities.errors import DomainError, InvalidCredentials

bp = Blueprint("settings", __name__)

SECURITY = "settings.security"
TWO_STEP = "partials/settings/_two_step.html"


REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")


@cache
def _aliases() -> frozenset[str]:
    """Backward-compatible and deprecated zone names ("Asia/Calcutta", "US/Eastern"): the links of
    the system's tz database, which a picker should not offer beside their real names."""
    for folder in zoneinfo.TZPATH:
        try:
            with open(f"{folder}/tzdata.zi", encoding="utf-8") as source:
                return frozenset(line.split()[2] for line in source if line.startswith("L "))
        except OSError:
            continue
    return frozenset()


def timezones() -> list[tuple[str, str]]:
    """The zone picker: UTC, then each canonical "Region/City" with its offset now (not cached: the
    offsets change with daylight saving time)."""
    names = sorted(
        name for name in zoneinfo.available_timezones() if name.startswith(REGIONS) and name not in _aliases()
    )
    return [("UTC", "UTC")] + [(name, _label(name)) for name in names]


def _label(name: str) -> str:
    offset = datetime.now(zoneinfo.ZoneInfo(name)).strftime("%z")
    region, _, place = name.partition("/")
    return f"{region} · {place.replace('_', ' ').replace('/', ' · ')} (UTC{offset[:3]}:{offset[3:]})"


def _sessions() -> dict:
    actor = require_actor()
    return {"sessions": services().web_sessions.list(actor), "current_session_id": actor.session_id}


def _page(forms=None, status=200, **two_step_state):
    actor = require_actor()
    user = services().identity.get(actor)
    return render(
        "pages/settings/security.html",
        "partials/settings/_security.html",
        status,
        user=user,
        forms=forms or {},
        timezones=timezones(),
        two_step=two_step.card(actor, **two_step_state),
        **_sessions(),
    )


@bp.get("/settings/security")
def security():
    return _page()


@bp.get("/settings/sessions")
def sessions():
    return fragment("partials/settings/_sessions.html", **_sessions())


@bp.post("/settings/sessions/<session_id>/end")
def end_session(session_id: str):
    services().web_sessions.end_other(require_actor(), session_id)
    return done("Session ended.", url_for(SECURITY), events=["sessions-changed"])


@bp.post("/settings/password")
@password_change_limit
def change_password():
    actor = require_actor()
    try:
        services().identity.change_password(
            actor, request.form.get("current_password", ""), request.form.get("new_password", "")
        )
    except DomainError as error:
        return form_failed(error, "password", "partials/settings/_password_form.html", _page)
    return done(
        "Password changed. Your other sessions were signed out.",
        url_for(SECURITY),
        events=["sessions-changed"],
        partial="partials/settings/_password_form.html",
        form={},
    )


@bp.post("/settings/profile")
def update_profile():
    actor = require_actor()
    try:
        services().identity.update_profile(
            actor, request.form.get("full_name", ""), request.form.get("timezone") or None
        )
    except DomainError as error:
        user = services().identity.get(actor)
        return form_failed(
            error, "profile", "partials/settings/_profile_form.html", _page, user=user, timezones=timezones()
        )
    flash("Profile saved.", "success")
    return redirect_to(url_for(SECURITY))  # names and times change everywhere on the page


def _two_step(status: int = 200, forms=None, **state):
    """The two-step card after one of its forms: the card for HTMX, the whole page otherwise (an
    enrolment's QR code and the recovery codes live in this answer only, so no redirect)."""
    if is_htmx():
        return fragment(TWO_STEP, status, two_step=two_step.card(require_actor(), **state), forms=forms or {})
    return _page(forms, status, **state)


def _two_step_failed(error: DomainError, name: str, **state):
    if error.code in NOT_FORM_ERRORS:
        raise error
    if error.code == "invalid_credentials":  # said next to the password field, not "wrong email or password"
        error = InvalidCredentials(errors=[{"field": "password", "message": "That is not your password."}])
    return _two_step(status_of(error), {name: form_state(error, {"invalid_code": "code"})}, **state)


@bp.post("/settings/security/mfa")
@password_change_limit  # the password is checked again: not at the general rate
def enrol_mfa():
    """Start enrolment (the password again): the QR code and the key to type, then a code."""
    actor = require_actor()
    try:
        enrolment = services().mfa.begin(actor, request.form.get("password", ""))
    except DomainError as error:
        return _two_step_failed(error, "mfa_enrol")
    email = services().identity.get(actor).email
    return _two_step(enrolment=two_step.enrolment_view(enrolment.secret, email))


@bp.post("/settings/security/mfa/confirm")
@password_change_limit
def confirm_mfa():
    """The first code from the app turns the factor on; the ten recovery codes are shown now only."""
    actor = require_actor()
    try:
        codes = services().mfa.confirm(actor, request.form.get("code", ""))
    except DomainError as error:
        # The key came back in the form only to draw the QR code again; the service checks the code
        # against the secret it stored.
        enrolment = two_step.enrolment_view(request.form.get("secret"), services().identity.get(actor).email)
        return _two_step_failed(error, "mfa_confirm", enrolment=enrolment)
    return _two_step(recovery_codes=codes)


@bp.post("/settings/security/mfa/disable")
@password_change_limit
def disable_mfa():
    actor = require_actor()
    try:
        services().mfa.disable(actor, request.form.get("password", ""), request.form.get("code", ""))
    except DomainError as error:
        return _two_step_failed(error, "mfa_disable")
    return done(
        "Two-step sign-in is off. Sign-ins ask for your password only.",
        url_for(SECURITY),
        partial=TWO_STEP,
        two_step=two_step.card(actor),
        forms={},
    )
