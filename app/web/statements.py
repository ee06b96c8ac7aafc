"""Statements page: account and month pickers, the statement (printable), and its CSV download."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request

from app.auth import require_actor, services
from app.web.forms import form_int
from app.web.htmx import render
from app.web.statement_csv import statement_download
from entities.clock import utcnow
from entities.errors import ValidationFailed

bp = Blueprint("statements", __name__)


def _label(month) -> str:
    return date(month.year, month.month, 1).strftime("%B %Y")


@bp.get("/statements")
def index():
    """My accounts (staff: the account asked for) and the chosen month's statement, this month by default."""
    actor = require_actor()
    accounts = services().accounts.list(actor)
    account = None
    if request.args.get("account_id"):
        account = services().accounts.get(actor, form_int("account_id", request.args))
        if all(a.id != account.id for a in accounts):
            accounts = [*accounts, account]  # staff looking at a customer's account
    elif accounts:
        account = accounts[0]
    month = request.args.get("month") or utcnow().strftime("%Y-%m")
    statement, form, status = None, {"values": {"month": month}, "errors": {}}, 200
    if account is not None:
        try:
            statement = services().statements.monthly(actor, account.id, month)
        except ValidationFailed as error:
            form["errors"] = {e["field"]: e["message"] for e in error.errors}
            status = 422
    months = services().statements.months(actor, account.id) if account else []
    if statement is not None and statement.month not in months:  # a month before the account's opening
        months = sorted([*months, statement.month], key=lambda m: (m.year, m.month), reverse=True)
    names = {}
    if statement is not None:
        names = services().overview.describe(actor, account.id, [*statement.lines, *statement.declined])
    return render(
        "pages/statements/index.html",
        "partials/statements/_index.html",
        status,
        accounts=accounts,
        account=account,
        months=[(str(m), _label(m)) for m in months],
        month=month,
        form=form,
        statement=statement,
        names=names,
        holder=_holder(actor, account),
        month_label=_label(statement.month) if statement else month,
    )


def _holder(actor, account) -> str | None:
    """The account holder's name for the statement's head (a printed statement says whose it is)."""
    if account is None:
        return None
    if account.owner_id == actor.user_id:
        return services().identity.get(actor).full_name
    return services().admin.get_user(actor, account.owner_id).full_name


@bp.get("/statements/<int:account_id>/<month>.csv")
def download(account_id: int, month: str):
    """The statement page's words as CSV (the API's CSV, with ledger codes, is for programs)."""
    actor = require_actor()
    statement = services().statements.monthly(actor, account_id, month)
    account = services().accounts.get(actor, account_id)
    names = services().overview.describe(actor, account_id, [*statement.lines, *statement.declined])
    return statement_download(statement, account, _holder(actor, account), _label(statement.month), names)
