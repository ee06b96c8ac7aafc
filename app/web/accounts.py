"""Account detail: balance, deposit and withdraw forms, and history with filters and "load more"."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import money_limit
from app.web.account_events import staff_events
from app.web.account_holds import account_money
from app.web.forms import form_failed, free_text, optional, parse_amount
from app.web.history_filters import KINDS, STATUSES, read_filters
from app.web.htmx import done, fragment, is_htmx, render
from app.web.idempotent_forms import idempotent_form, settled
from app.web.step_up import code_field
from entities.errors import DomainError
from entities.money import format_cents

bp = Blueprint("accounts", __name__)

PAGE_SIZE = 20


def _history(account_id: int, filters: dict, filter_form: dict):
    """A page of history lines; none while a filter is refused (its message stands by the filters)."""
    actor = require_actor()
    if filter_form["errors"]:
        return {"items": [], "names": {}, "next_cursor": None, "filters": filters, "filter_form": filter_form}
    items, next_cursor = services().ledger.history(
        actor,
        account_id,
        limit=PAGE_SIZE,
        cursor=request.args.get("cursor") or None,
        kind=filters["kind"] or None,
        status=filters["status"] or None,
        date_from=date.fromisoformat(filters["from"]) if filters["from"] else None,
        date_to=date.fromisoformat(filters["to"]) if filters["to"] else None,
    )
    # Staff get a Reverse button on each line; entries reversed already say so instead.
    reversed_ids = services().ledger.reversed_among(actor, [i.entry_id for i in items]) if actor.is_staff else set()
    # ... and entries whose reversal waits for a second staff member say that, with the inbox's link.
    waiting_ids = (
        services().approvals.reversals_waiting_among(actor, [i.entry_id for i in items]) if actor.is_staff else set()
    )
    return {
        "items": items,
        "names": services().overview.describe(actor, account_id, items),
        "next_cursor": next_cursor,
        "filters": filters,
        "filter_form": filter_form,
        "can_reverse": actor.is_staff,
        "reversed_ids": reversed_ids,
        "waiting_ids": waiting_ids,
    }


def detail_page(account_id: int, forms=None, status=200):
    account = services().accounts.get(require_actor(), account_id)
    filters, filter_form = read_filters()
    if filter_form["errors"] and status == 200:  # the page, with the refused filter said by the filters
        status = 422
    return render(
        "pages/accounts/detail.html",
        "partials/accounts/_detail.html",
        status,
        account=account,
        forms=forms or {},
        kinds=KINDS,
        statuses=STATUSES,
        **account_money(account),
        **_history(account_id, filters, filter_form),
        **code_field(),
        **staff_events(account),
    )


@bp.get("/accounts/<int:account_id>")
def detail(account_id: int):
    return detail_page(account_id)


@bp.get("/accounts/<int:account_id>/summary")
def summary(account_id: int):
    account = services().accounts.get(require_actor(), account_id)
    return fragment("partials/accounts/_summary.html", account=account, **account_money(account))


@bp.get("/accounts/<int:account_id>/history")
def history(account_id: int):
    """Rows for the history table: a filter change, a refresh, or the next page of the keyset."""
    if not is_htmx():
        return detail_page(account_id)
    account = services().accounts.get(require_actor(), account_id)
    filters, filter_form = read_filters()
    status = 422 if filter_form["errors"] else 200
    response = fragment(
        "partials/accounts/_history_rows.html",
        status,
        account=account,
        filter_feedback=not request.args.get("cursor"),
        **_history(account_id, filters, filter_form),
    )
    if not request.args.get("cursor") and status == 200:
        # a filter change: the address bar keeps it (a reload shows the same)
        shown = {name: value for name, value in filters.items() if value}
        response.headers["HX-Replace-Url"] = url_for("accounts.detail", account_id=account_id, **shown)
    return response


def _moved(account, entry, verb: str):
    if entry is None:
        message = "That form was already submitted; nothing was moved twice."
    else:
        balance = next(p.balance_after_cents for p in entry.postings if p.account_id == account.id)
        amount = format_cents(entry.amount_cents, account.currency)
        message = f"{verb} {amount}. New balance {format_cents(balance, account.currency)}."
    return message


@bp.post("/accounts/<int:account_id>/deposit")
@money_limit
def deposit(account_id: int):
    return _cash(
        account_id,
        "deposit",
        "Deposited",
        lambda actor: services().ledger.deposit(
            actor, account_id, parse_amount(), free_text("memo"), idempotent_form()
        ),
    )


@bp.post("/accounts/<int:account_id>/withdraw")
@money_limit
def withdraw(account_id: int):
    return _cash(
        account_id,
        "withdraw",
        "Withdrew",
        lambda actor: services().ledger.withdraw(
            actor,
            account_id,
            parse_amount(),
            request.form.get("pin", ""),
            free_text("memo"),
            idempotent_form(),
            otp=optional("otp"),
        ),
    )


def _cash(account_id: int, form_name: str, verb: str, move):
    """A deposit or withdrawal form: one service call, then the form again (or the page) with a toast."""
    actor = require_actor()
    account = services().accounts.get(actor, account_id)
    partial = f"partials/accounts/_{form_name}_form.html"
    try:
        entry = settled(move(actor))
    except DomainError as error:
        return form_failed(
            error, form_name, partial, lambda **kw: detail_page(account_id, **kw), account=account, **code_field()
        )
    return done(
        _moved(account, entry, verb),
        url_for("accounts.detail", account_id=account_id),
        events=["balance-changed"],
        partial=partial,
        account=account,
        form={},
        **code_field(),
    )
