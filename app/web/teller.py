"""The teller desk: find a customer, open an account for them, cash in and out, unlock, freeze."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import money_limit
from app.web.account_holds import desk_hold_rows
from app.web.dashboard import ACCOUNT_TYPES
from app.web.forms import action_failed, form_failed, form_int, free_text, optional, parse_amount, required_reason
from app.web.htmx import done, fragment, is_htmx, render
from app.web.idempotent_forms import idempotent_form, settled
from app.web.step_up import code_field
from entities.errors import DomainError, ValidationFailed
from entities.money import format_cents

bp = Blueprint("teller", __name__)

CHANGED = ["customer-changed"]


def _search(query: str) -> dict:
    """Results for the search box; an empty box is no search (the service needs 1 to 100 characters)."""
    query = query.strip()
    if not query:
        return {"q": "", "customers": None, "search_error": None}
    try:
        return {"q": query, "customers": services().admin.search_customers(require_actor(), query)}
    except DomainError as error:
        if error.code != "validation_error":
            raise
        return {
            "q": query,
            "customers": [],
            "search_error": error.errors[0]["message"] if error.errors else error.detail,
        }


@bp.get("/teller")
def index():
    queue = services().admin.unlock_queue(require_actor())  # staff only: customers get 403 here
    return render(
        "pages/teller/index.html", "partials/teller/_index.html", queue=queue, **_search(request.args.get("q", ""))
    )


@bp.get("/teller/search")
def search():
    if not is_htmx():
        return index()
    return fragment("partials/teller/_results.html", **_search(request.args.get("q", "")))


def _customer(user_id: int) -> dict:
    actor = require_actor()
    customer = services().admin.get_user(actor, user_id)
    return {"customer": customer, "accounts": services().accounts.list(actor, customer.id)}


def _desk(user_id: int, forms=None, status=200):
    context = _customer(user_id)
    return render(
        "pages/teller/customer.html",
        "partials/teller/_customer.html",
        status,
        forms=forms or {},
        account_types=ACCOUNT_TYPES,
        **context,
        **desk_hold_rows(context["accounts"]),
        **code_field(),
    )


@bp.get("/teller/customers/<int:user_id>")
def customer(user_id: int):
    return _desk(user_id)


@bp.get("/teller/customers/<int:user_id>/panel")
def panel(user_id: int):
    """The customer's status and accounts; refreshes itself after any desk action."""
    return fragment("partials/teller/_panel.html", **_customer(user_id))


@bp.post("/teller/customers/<int:user_id>/accounts")
def open_account(user_id: int):
    actor = require_actor()
    try:
        account = services().accounts.open(
            actor, request.form.get("type", ""), request.form.get("pin", ""), owner_id=user_id
        )
    except DomainError as error:
        return form_failed(
            error,
            "open",
            "partials/teller/_open_form.html",
            lambda **kw: _desk(user_id, **kw),
            customer_id=user_id,
            account_types=ACCOUNT_TYPES,
        )
    return done(
        f"Opened {account.type} account {account.number}.",
        url_for("teller.customer", user_id=user_id),
        events=CHANGED,
        partial="partials/teller/_open_form.html",
        form={},
        customer_id=user_id,
        account_types=ACCOUNT_TYPES,
    )


@bp.post("/teller/customers/<int:user_id>/cash")
@money_limit
def cash(user_id: int):
    """Cash at the counter: the pressed button says deposit or withdraw; a withdrawal needs the PIN."""
    actor = require_actor()
    ledger = services().ledger
    withdrawing = request.form.get("op") == "withdraw"
    try:
        account_id, amount_cents, memo = form_int("account_id"), parse_amount(), free_text("memo")
        if withdrawing:
            pin, otp = request.form.get("pin", ""), optional("otp")  # otp: the teller's own code (step-up)
            result = ledger.withdraw(actor, account_id, amount_cents, pin, memo, idempotent_form(), otp=otp)
        else:
            result = ledger.deposit(actor, account_id, amount_cents, memo, idempotent_form())
        entry = settled(result)
    except DomainError as error:
        context = _customer(user_id)
        chosen = request.form.get("account_id")
        source = next((a for a in context["accounts"] if str(a.id) == chosen), None) if withdrawing else None
        return form_failed(
            error,
            "cash",
            "partials/teller/_cash_form.html",
            lambda **kw: _desk(user_id, **kw),
            source=source,
            **context,
            **code_field(),
        )
    if entry is None:
        message = "That form was already submitted; nothing was moved twice."
    else:
        account = next((a for a in _customer(user_id)["accounts"] if a.id == account_id), None)
        where = f" {'from' if withdrawing else 'to'} {account.label}" if account else ""
        amount = format_cents(entry.amount_cents, entry.currency)
        message = f"{'Paid out' if withdrawing else 'Deposited'} {amount}{where}."
    return done(
        message,
        url_for("teller.customer", user_id=user_id),
        events=CHANGED,
        partial="partials/teller/_cash_form.html",
        form={},
        **_customer(user_id),
        **code_field(),
    )


@bp.post("/teller/customers/<int:user_id>/unlock")
def unlock_customer(user_id: int):
    user = services().admin.unlock(require_actor(), user_id)
    return done(f"{user.full_name} can log in again.", url_for("teller.customer", user_id=user_id), events=CHANGED)


def _account_action(name: str, message: str, needs_reason: bool = False):
    def view(account_id: int):
        change = getattr(services().accounts, name)
        try:
            actor = require_actor()
            account = (
                change(actor, account_id, required_reason(actor.is_staff))
                if needs_reason
                else change(actor, account_id)
            )
        except ValidationFailed as error:
            account = services().accounts.get(require_actor(), account_id)
            if needs_reason and any(e.get("field") == "reason" for e in error.errors if isinstance(e, dict)):
                # the reason's refusal stands beside its field, the confirmation still open
                return form_failed(
                    error,
                    f"{name}-{account.id}",
                    f"partials/teller/_{name}_form.html",
                    lambda **kw: _desk(account.owner_id, **kw),
                    account=account,
                )
            return action_failed(error, name, lambda **kw: _desk(account.owner_id, **kw))
        return done(
            message.format(number=account.number),
            url_for("teller.customer", user_id=account.owner_id),
            events=CHANGED,
        )

    view.__name__ = f"account_{name}"
    bp.add_url_rule(f"/teller/accounts/<int:account_id>/{name}", view_func=view, methods=["POST"])


_account_action("freeze", "Account {number} is frozen.", needs_reason=True)
_account_action("unfreeze", "Account {number} is active again.")
_account_action("unlock", "The PIN lock on account {number} is lifted.")
