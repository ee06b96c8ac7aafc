"""Transfer: recipient lookup as you type, inline validation, a confirmation step, then the PIN."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import lookup_limit, money_limit
from app.web.forms import form_failed, form_int, form_state
from app.web.htmx import done, fragment, render
from app.web.transfer_form import (
    CONFIRM,
    DONE,
    FORM,
    TransferFlow,
    balance_after,
    read_details,
    send,
    shown_again,
)
from entities.accounts import luhn_valid
from entities.errors import DomainError, NotFound
from entities.money import format_cents

bp = Blueprint("transfers", __name__)

PAGE = "pages/transfers/new.html"


def _accounts():
    """The caller's accounts that can send money."""
    return [a for a in services().accounts.list(require_actor()) if a.status == "active"]


def _flow() -> TransferFlow:
    return TransferFlow(
        review_url=url_for("transfers.review"),
        edit_url=url_for("transfers.edit"),
        confirm_url=url_for("transfers.confirm"),
        new_url=url_for("transfers.new"),
        no_accounts="You need an active account to send money.",
        no_accounts_link=("Open one on the dashboard.", url_for("dashboard.index")),
    )


def _render(step: str, forms=None, status: int = 200, **context):
    """The page shows one step; HTMX swaps just that step."""
    form = (forms or {}).get("transfer") or {"values": {"from_account_id": request.args.get("from_account_id", "")}}
    context.setdefault("accounts", _accounts())
    context.setdefault("flow", _flow())
    return render(PAGE, step, status, step=step, form=form, **context)


@bp.get("/transfers/new")
def new():
    return _render(FORM)


def _still_typing() -> bool:
    """A number not complete yet gets a hint and resolves nothing: the lookup budget is not spent."""
    return _number_hint(request.args.get("to_account_number", "").strip()) is not None


@bp.get("/transfers/lookup")
@lookup_limit(exempt_when=_still_typing)
def lookup():
    """The recipient's masked name while the number is typed. Always a 200 fragment: a partial or
    mistyped number gets a hint (an error status would be a console error on every keystroke),
    "not found" is an answer, and only a complete, well-formed number is looked up."""
    actor = require_actor()
    number = request.args.get("to_account_number", "").strip()
    holder, hint = None, _number_hint(number)
    complete = hint is None
    if complete:
        try:
            holder = services().accounts.lookup(actor, number)["holder"]
        except NotFound:
            holder = None
    return fragment("partials/transfers/_recipient.html", holder=holder, complete=complete, hint=hint)


def _number_hint(number: str) -> str | None:
    """What to tell someone still typing an account number; None once it can be looked up.
    The check digit is public arithmetic, so saying it is wrong reveals no account."""
    if not number:
        return ""
    if not (number.isascii() and number.isdigit()):
        return "Account numbers have digits only."
    if len(number) != 10:
        return "Enter all 10 digits." if len(number) < 10 else "Account numbers have 10 digits."
    if not luhn_valid(number):
        return "Check the number: it is not a valid account number."
    return None


@bp.post("/transfers/review")
@lookup_limit  # the review shows the recipient's masked name: it is a lookup too
def review():
    accounts = _accounts()
    try:
        confirmation = read_details(accounts, _flow())
    except DomainError as error:
        return form_failed(error, "transfer", FORM, lambda **kw: _render(FORM, **kw), accounts=accounts, flow=_flow())
    return _render(CONFIRM, forms={"transfer": form_state()}, accounts=accounts, **confirmation)


@bp.post("/transfers/edit")
def edit():
    """Back from the confirmation step to the filled-in form, the recipient still confirmed."""
    return _render(FORM, forms={"transfer": form_state()}, holder=request.form.get("holder") or None)


@bp.post("/transfers")
@money_limit
def confirm():
    require_actor()
    form = request.form
    holder, number = form.get("holder", ""), form.get("to_account_number", "").strip()
    try:
        source_id = form_int("from_account_id")
        entry = send(source_id)
    except DomainError as error:
        shown = {**shown_again(_accounts(), error, holder), "flow": _flow()}
        return form_failed(error, "transfer", CONFIRM, lambda **kw: _render(CONFIRM, **kw, **shown), **shown)
    own = next((a for a in _accounts() if a.number == number), None)
    if entry is None:
        message = "That transfer was already submitted; nothing was moved twice."
    elif own is not None:  # between one's own accounts: name the account, not oneself
        amount = format_cents(entry.amount_cents, entry.currency)
        message = f"Moved {amount} to your {own.label}."
    else:
        message = f"Sent {format_cents(entry.amount_cents, entry.currency)} to {holder} (···{number[-4:]})."
    return done(
        message,
        url_for("accounts.detail", account_id=source_id),
        events=["balance-changed"],
        partial=DONE,
        entry=entry,
        holder=holder,
        source_id=source_id,
        balance=balance_after(entry, source_id),
        flow=_flow(),
    )
