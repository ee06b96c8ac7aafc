"""Profile and security: name and time zone, password, two-step sign-in, and the active sessions."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from flask import Blueprint, flash, request, url_for

from app.auth import require_actor, services
from app.errors import status_of
from app.ratelimit import password_change_limit
from app.web import two_step
from app.web.forms import NOT_FORM_ERRORS, form_failed, form_state
from app.web.htmx import done, fragment, is_htmx, redirect_to, render
from app.web.zones import canonical_timezone, zone_links
from entities.errors import DomainError, InvalidCredentials

bp = Blueprint("settings", __name__)

SECURITY = "settings.security"
TWO_STEP = "partials/settings/_two_step.html"


REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def timezones(current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The zone picker, grouped by region for <optgroup>: UTC, then each canonical "Region/City"
    with its offset now (not cached: offsets change with daylight saving time). Old aliases are
    left out (app/web/zones.py maps them to their zone); a ``current`` zone the list lacks (e.g.
    "EST5EDT") is offered first, so saving the profile never changes it silently."""
    aliases = zone_links()
    names = sorted(n for n in zoneinfo.available_timezones() if n.partition("/")[0] in REGIONS and n not in aliases)
    groups = [("", [("UTC", "UTC")])]
    if current and current != "UTC" and current not in names:
        groups.insert(0, ("", [(current, f"{current} (your current zone)")]))
    for region in REGIONS:
        groups.append((region, [(name, _label(name)) for name in names if name.partition("/")[0] == region]))
    return groups


def _label(name: str) -> str:
    """ "America/Argentina/Buenos_Aires" -> "Argentina · Buenos Aires (UTC-03:00)"; the region is the group."""
    offset = datetime.now(zoneinfo.ZoneInfo(name)).strftime("%z")
    place = name.partition("/")[2]
    return f"{place.replace('_', ' ').replace('/', ' · ')} (UTC{offset[:3]}:{offset[3:]})"


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
        timezones=timezones(canonical_timezone(user.timezone)),
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
        zone = request.form.get("timezone")
        services().identity.update_profile(
            actor, request.form.get("full_name", ""), canonical_timezone(zone) if zone else None
        )
    except DomainError as error:
        user = services().identity.get(actor)
        zones = timezones(canonical_timezone(user.timezone))
        return form_failed(error, "profile", "partials/settings/_profile_form.html", _page, user=user, timezones=zones)
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
