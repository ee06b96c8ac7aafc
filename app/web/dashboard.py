"""The dashboard: accounts, balances, recent activity, a balance chart, and opening an account."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.web.chart import balance_chart
from app.web.forms import form_failed
from app.web.htmx import done, fragment, render
from app.web.zones import user_timezone
from entities.errors import DomainError

bp = Blueprint("dashboard", __name__)

ACCOUNT_TYPES = [("checking", "Checking"), ("savings", "Savings")]


def _overview():
    overview = services().overview.dashboard(require_actor(), tz_name=user_timezone())
    return {"overview": overview, "chart": balance_chart(overview.series)}


def _page(forms=None, status=200):
    return render(
        "pages/dashboard/index.html",
        "partials/dashboard/_index.html",
        status,
        forms=forms or {},
        account_types=ACCOUNT_TYPES,
        **_overview(),
    )


@bp.get("/")
def index():
    return _page()


@bp.get("/dashboard/overview")
def overview():
    """The accounts, chart and activity fragment; it refreshes itself when money moves."""
    return fragment("partials/dashboard/_overview.html", **_overview())


@bp.post("/accounts")
def open_account():
    actor = require_actor()
    try:
        account = services().accounts.open(actor, request.form.get("type", ""), request.form.get("pin", ""))
    except DomainError as error:
        return form_failed(
            error, "open", "partials/dashboard/_open_account_form.html", _page, account_types=ACCOUNT_TYPES
        )
    return done(
        f"Your {account.type} account {account.number} is open.",
        url_for("accounts.detail", account_id=account.id),
        events=["accounts-changed"],
        partial="partials/dashboard/_open_account_form.html",
        form={},
        account_types=ACCOUNT_TYPES,
    )
