"""A teller's transfer on a customer's behalf (SPEC section 1): the customer's own transfer steps
(app/web/transfer_form.py) on the teller desk, from one of that customer's accounts, with the
customer's PIN typed at the counter and, when the amount asks for step-up, the teller's own code.
Staff never move a customer's money into an account of their own: the service refuses it (403
own_account, audited), and the review step asks the service before the PIN is asked for."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import lookup_limit, money_limit
from app.web.forms import form_failed, form_int, form_state
from app.web.htmx import done, render
from app.web.step_up import step_up_cents
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
from entities.errors import DomainError, NotFound, OwnAccount, ValidationFailed
from entities.money import format_cents
from entities.users import mask_holder

bp = Blueprint("teller_transfers", __name__)

PAGE = "pages/teller/transfer.html"
INTO_OWN_ACCOUNT = "This account is yours: staff never move a customer's money into an account of their own."
OWN_ACCOUNT_FIELD = {"own_account": "to_account_number"}  # the refusal stands next to the recipient's number
CHANGED = ["customer-changed"]


def _desk(user_id: int) -> dict:
    """The customer (staff only: a customer asking gets 403, audited), their active accounts, the flow."""
    actor = require_actor()
    customer = services().admin.get_user(actor, user_id)
    accounts = [a for a in services().accounts.list(actor, customer.id) if a.status == "active"]
    return {"customer": customer, "accounts": accounts, "flow": _flow(customer)}


def _flow(customer) -> TransferFlow:
    name, desk_url = customer.full_name, url_for("teller.customer", user_id=customer.id)
    return TransferFlow(
        review_url=url_for("teller_transfers.review", user_id=customer.id),
        edit_url=url_for("teller_transfers.edit", user_id=customer.id),
        confirm_url=url_for("teller_transfers.confirm", user_id=customer.id),
        new_url=url_for("teller_transfers.new", user_id=customer.id),
        no_accounts=f"{name} has no active account to send money from.",
        no_accounts_link=("Open one on their page.", desk_url),
        done_link=(f"Back to {name}", desk_url),
        from_label=f"From {name}'s account",
        own_label="To another of their accounts",
        own_hint="Someone else's 10-digit account number; leave it empty for one of theirs.",
        choose_source=f"choose one of {name}'s accounts",
        pin_label="Customer's PIN",
        pin_hint="The customer types the PIN of the sending account here themselves, at the counter.",
        otp_label="Your code from your authenticator app",
        otp_hint=f"Transfers of {format_cents(step_up_cents())} or more need your own code as well.",
    )


def _render(step: str, forms=None, status: int = 200, **context):
    """The page shows one step; HTMX swaps just that step."""
    form = (forms or {}).get("transfer") or {"values": {"from_account_id": request.args.get("from_account_id", "")}}
    return render(PAGE, step, status, step=step, form=form, **context)


def _failed(error: DomainError, step: str, context: dict):
    """The step again with its errors; the service's own-account refusal in this page's words, next to
    the recipient's number (still 403 own_account)."""
    if error.code == "own_account":
        error = OwnAccount(INTO_OWN_ACCOUNT)
    page_view = lambda **kw: _render(step, **kw, **context)  # noqa: E731 (the page, for a plain POST)
    return form_failed(error, "transfer", step, page_view, fields=OWN_ACCOUNT_FIELD, **context)


def _sides(customer, accounts, source, number: str, holder: str) -> tuple[str, str]:
    """Both sides in words: ("Dana S.'s Checking ···1234", "Bob B. (···5678)" or "their Savings ···5678")."""
    own = next((a for a in accounts if a.number == number), None)
    to = f"their {own.label}" if own else f"{holder} (···{number[-4:]})"
    return f"{mask_holder(customer.full_name)}'s {source.label}", to


def _holder(number: str) -> str:
    """The recipient's masked name, read again (the form's copy only if the account has gone since)."""
    try:
        return services().accounts.lookup(require_actor(), number)["holder"]
    except NotFound:
        return request.form.get("holder", "")


def _source(accounts, flow: TransferFlow):
    """The sending account: one of this customer's active accounts, or a 422 on its field."""
    source_id = form_int("from_account_id")
    source = next((a for a in accounts if a.id == source_id), None)
    if source is None:
        raise ValidationFailed(errors=[{"field": "from_account_id", "message": flow.choose_source}])
    return source


@bp.get("/teller/customers/<int:user_id>/transfer")
def new(user_id: int):
    return _render(FORM, **_desk(user_id))


@bp.post("/teller/customers/<int:user_id>/transfer/review")
@lookup_limit  # the review shows the recipient's masked name: it is a lookup too
def review(user_id: int):
    """Step one, checked: the page's own checks, then the service's refusals made before the PIN."""
    desk = _desk(user_id)
    try:
        details = read_details(desk["accounts"], desk["flow"])
    except DomainError as error:
        return _failed(error, FORM, desk)
    recipient = details["recipient"]
    sides = _sides(desk["customer"], desk["accounts"], details["source"], recipient["number"], recipient["holder"])
    return _render(CONFIRM, forms={"transfer": form_state()}, sides=sides, **details, **desk)


@bp.post("/teller/customers/<int:user_id>/transfer/edit")
def edit(user_id: int):
    """Back from the confirmation step to the filled-in form, the recipient still confirmed."""
    return _render(FORM, forms={"transfer": form_state()}, holder=request.form.get("holder") or None, **_desk(user_id))


@bp.post("/teller/customers/<int:user_id>/transfer")
@money_limit
def confirm(user_id: int):
    desk = _desk(user_id)
    number = request.form.get("to_account_number", "").strip()
    source = None
    try:
        source = _source(desk["accounts"], desk["flow"])
        entry = send(source.id)
    except DomainError as error:
        holder = _holder(number)
        context = {**desk, **shown_again(desk["accounts"], error, holder)}
        if source is not None:
            context["sides"] = _sides(desk["customer"], desk["accounts"], source, number, holder)
        return _failed(error, CONFIRM, context)
    sides = _sides(desk["customer"], desk["accounts"], source, number, _holder(number))
    if entry is None:
        message = "That transfer was already submitted; nothing was moved twice."
    else:
        message = f"Sent {format_cents(entry.amount_cents, entry.currency)} from {sides[0]} to {sides[1]}."
    return done(
        message,
        url_for("teller.customer", user_id=user_id),
        events=CHANGED,
        partial=DONE,
        entry=entry,
        sides=sides,
        source_id=source.id,
        balance=balance_after(entry, source.id),
        flow=desk["flow"],
    )
