"""Jinja filters and globals for the pages: money, local times, nav, CSRF and idempotency fields."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup

from app.web.idempotent_forms import new_idempotency_key
from app.web.messages import error_words, refusing_rule
from app.web.navigation import current_user, landing_for
from app.web.zones import canonical_timezone, user_zone
from entities.clock import now_iso, parse_iso
from entities.money import format_cents


def money(cents, currency: str = "USD") -> str:
    """12345 -> "$123.45" (entities.money decides the format)."""
    return "" if cents is None else format_cents(int(cents), currency or "USD")


def localtime(value, fmt: str = "%d %b %Y, %H:%M %Z") -> str:
    """An ISO 8601 UTC time in the user's time zone (User.timezone, default UTC), its zone named
    ("14:05 CET"), so nobody has to guess which clock a time is on."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else parse_iso(value)
    return moment.astimezone(user_zone()).strftime(fmt)


def datetime_attr(value) -> str:
    """The machine-readable form for <time datetime="...">."""
    return localtime(value, "%Y-%m-%dT%H:%M%z") if value else ""


def day(value) -> str:
    """An ISO day ("2026-12-02") as the pages show days ("02 Dec 2026"); empty stays empty."""
    if not value:
        return ""
    return (value if isinstance(value, date) else date.fromisoformat(str(value))).strftime("%d %b %Y")


def shortdate(value: date) -> str:
    return value.strftime("%d %b")


def humanize(value) -> str:
    """card_purchase -> Card purchase."""
    return str(value or "").replace("_", " ").replace(".", " ").capitalize()


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
)


def device(user_agent) -> str:
    """A readable name for a session's user agent: "Chrome on Linux"; API clients by their own name."""
    text = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in text), None)
    system = next((name for token, name in _SYSTEMS if token in text), "Linux" if "Linux" in text else None)
    if browser:
        return f"{browser} on {system}" if system else browser
    return text.split("/")[0][:40] or "Unknown device"


def account_choices(accounts) -> list[tuple[int, str]]:
    """<option>s for an account picker: "Checking ···4821 · $1,234.50"."""
    return [(a.id, f"{a.label} · {format_cents(a.balance_cents, a.currency)}") for a in accounts]


def sending_choices(accounts) -> list[tuple[int, str]]:
    """<option>s for the account money leaves: "Checking ···4821 · $1,234.50 available" (less holds,
    the figure the transfer form checks the amount against)."""
    return [(a.id, f"{a.label} · {format_cents(a.available_cents, a.currency)} available") for a in accounts]


def own_targets(accounts) -> list[tuple[str, str]]:
    """<option>s for "to one of your accounts": by number, "Savings ···1234"."""
    return [(a.number, a.label) for a in accounts]


def now_local() -> str:
    return localtime(now_iso())


def user_status(user) -> str:
    """ "active" or "locked" right now."""
    return user.status(now_iso())


def csrf_field() -> Markup:
    from flask_wtf.csrf import generate_csrf

    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def idempotency_field() -> Markup:
    return Markup('<input type="hidden" name="idempotency_key" value="{}">').format(new_idempotency_key())


def approvals_waiting() -> int:
    """How many requests wait in the approvals inbox (the staff navigation's badge, SPEC 15); none
    for a staff member who has not enrolled a factor yet, who holds no staff powers until then."""
    from app.auth import require_actor, services

    actor = require_actor()
    if actor.factor_missing:
        return 0
    return services().approvals.pending_count(actor)


def init_app(app) -> None:
    app.jinja_env.filters.update(
        money=money,
        localtime=localtime,
        device=device,
        datetime_attr=datetime_attr,
        shortdate=shortdate,
        day=day,
        humanize=humanize,
    )
    app.jinja_env.globals.update(
        csrf_field=csrf_field,
        idempotency_field=idempotency_field,
        account_choices=account_choices,
        sending_choices=sending_choices,
        own_targets=own_targets,
        user_status=user_status,
        now_local=now_local,
        landing_for=landing_for,
        approvals_waiting=approvals_waiting,
        error_words=error_words,
        refusing_rule=refusing_rule,
        canonical_timezone=canonical_timezone,
    )

    @app.context_processor
    def page_globals():
        return {"current_user": current_user()}
