"""Profile and security: name and time zone, password, and the list of active sessions."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cache

from flask import Blueprint, flash, request, url_for

from app.auth import require_actor, services
from app.ratelimit import password_change_limit
from app.web.helpers import done, form_failed, fragment, redirect_to, render
from entities.errors import DomainError

bp = Blueprint("settings", __name__)

SECURITY = "settings.security"


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


def _page(forms=None, status=200):
    user = services().identity.get(require_actor())
    return render(
        "pages/settings/security.html",
        "partials/settings/_security.html",
        status,
        user=user,
        forms=forms or {},
        timezones=timezones(),
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
