"""Transfer: recipient lookup as you type, inline validation, a confirmation step, then the PIN."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.extensions import limiter
from app.ratelimit import limit_from, lookup_limit, user_or_ip_key
from app.web.helpers import (
    done,
    form_failed,
    form_int,
    form_state,
    fragment,
    idempotent_form,
    optional,
    parse_amount,
    render,
    settled,
)
from entities.errors import DomainError, NotFound, ValidationFailed
from entities.money import format_cents

bp = Blueprint("transfers", __name__)

PAGE = "pages/transfers/new.html"
FORM = "partials/transfers/_form.html"
CONFIRM = "partials/transfers/_confirm.html"


def _accounts():
    """The caller's accounts that can send money."""
    return [a for a in services().accounts.list(require_actor()) if a.status == "active"]


def _render(step: str, forms=None, status: int = 200, **context):
    """The page shows one step; HTMX swaps just that step."""
    form = (forms or {}).get("transfer") or {"values": {"from_account_id": request.args.get("from_account_id", "")}}
    context.setdefault("accounts", _accounts())
    return render(PAGE, step, status, step=step, form=form, **context)


@bp.get("/transfers/new")
def new():
    return _render(FORM)


@bp.get("/transfers/lookup")
@lookup_limit
def lookup():
    """The recipient's masked name while the number is typed (a fragment; "not found" is an answer)."""
    actor = require_actor()
    number = request.args.get("to_account_number", "").strip()
    holder = None
    complete = len(number) == 10 and number.isdigit()
    if complete:
        try:
            holder = services().accounts.lookup(actor, number)["holder"]
        except NotFound:
            holder = None
    return fragment("partials/transfers/_recipient.html", holder=holder, complete=complete)


def _confirmation(accounts) -> dict:
    """Step one's input, parsed: the source account, the recipient (number and masked name), the amount."""
    source_id = form_int("from_account_id")
    source = next((a for a in accounts if a.id == source_id), None)
    if source is None:
        raise ValidationFailed(errors=[{"field": "from_account_id", "message": "choose one of your accounts"}])
    amount_cents = parse_amount()
    try:
        recipient = services().accounts.lookup(require_actor(), request.form.get("to_account_number", "").strip())
    except NotFound:
        raise ValidationFailed(
            errors=[{"field": "to_account_number", "message": "no open account has this number"}]
        ) from None
    return {"source": source, "recipient": recipient, "amount_cents": amount_cents, "memo": optional("memo")}


@bp.post("/transfers/review")
@lookup_limit  # the review shows the recipient's masked name: it is a lookup too
def review():
    accounts = _accounts()
    try:
        confirmation = _confirmation(accounts)
    except DomainError as error:
        return form_failed(error, "transfer", FORM, lambda **kw: _render(FORM, **kw), accounts=accounts)
    return _render(CONFIRM, forms={"transfer": form_state()}, accounts=accounts, **confirmation)


@bp.post("/transfers/edit")
def edit():
    """Back from the confirmation step to the filled-in form."""
    return _render(FORM, forms={"transfer": form_state()})


@bp.post("/transfers")
@limiter.limit(limit_from("RATELIMIT_MONEY"), key_func=user_or_ip_key)
def confirm():
    actor = require_actor()
    form = request.form
    try:
        source_id = form_int("from_account_id")
        entry = settled(
            services().ledger.transfer(
                actor,
                source_id,
                form.get("to_account_number", "").strip(),
                parse_amount(),
                form.get("pin", ""),
                optional("memo"),
                idempotent_form(),
            )
        )
    except DomainError as error:
        accounts = _accounts()
        shown = {
            "source": next((a for a in accounts if str(a.id) == form.get("from_account_id")), None),
            "recipient": {"number": form.get("to_account_number", ""), "holder": form.get("holder", "")},
            "amount_cents": _amount_or_none(),
            "memo": optional("memo"),
            "accounts": accounts,
        }
        return form_failed(error, "transfer", CONFIRM, lambda **kw: _render(CONFIRM, **kw, **shown), **shown)
    holder, number = form.get("holder", ""), form.get("to_account_number", "").strip()
    if entry is None:
        message = "That transfer was already submitted; nothing was moved twice."
    else:
        message = f"Sent {format_cents(entry.amount_cents, entry.currency)} to {holder} ({number})."
    return done(
        message,
        url_for("accounts.detail", account_id=source_id),
        events=["balance-changed"],
        partial="partials/transfers/_done.html",
        entry=entry,
        holder=holder,
        source_id=source_id,
        balance=entry and next(p.balance_after_cents for p in entry.postings if p.account_id == source_id),
    )


def _amount_or_none():
    try:
        return parse_amount()
    except DomainError:
        return None
