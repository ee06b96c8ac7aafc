"""Actions on the account page besides moving money: change the PIN, close the account, and (staff)
reverse a posted history line."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import money_limit
from app.web.accounts import detail_page
from app.web.forms import action_failed, form_failed, free_text, required_reason
from app.web.htmx import done
from app.web.idempotent_forms import idempotent_form, settled
from entities.approvals import Approval
from entities.errors import DomainError
from entities.money import format_cents
from services.idempotency import Replayed

bp = Blueprint("account_actions", __name__)

# A wrong or locked PIN belongs next to the "current PIN" field of this form.
PIN_FIELDS = {"invalid_pin": "current_pin", "account_locked": "current_pin"}
REVERSAL_DECLINED = "The account no longer holds enough to give this back. The declined reversal is recorded."


def _page_view(account_id: int):
    return lambda **kw: detail_page(account_id, **kw)


@bp.post("/accounts/<int:account_id>/pin")
def change_pin(account_id: int):
    actor = require_actor()
    account = services().accounts.get(actor, account_id)
    try:
        services().accounts.change_pin(
            actor, account_id, request.form.get("current_pin", ""), request.form.get("new_pin", "")
        )
    except DomainError as error:
        return form_failed(
            error,
            "pin",
            "partials/accounts/_pin_form.html",
            _page_view(account_id),
            fields=PIN_FIELDS,
            account=account,
        )
    return done(
        "PIN changed. Use the new PIN from now on.",
        url_for("accounts.detail", account_id=account_id),
        partial="partials/accounts/_pin_form.html",
        account=account,
        form={},
    )


@bp.post("/accounts/<int:account_id>/close")
def close(account_id: int):
    actor = require_actor()
    account = services().accounts.get(actor, account_id)
    try:
        # SPEC 10: staff closing a customer's account say why; the holder may give no reason.
        reason = required_reason() if _staff_on_anothers(actor, account) else free_text("reason")
        account = services().accounts.close(actor, account_id, reason)
    except DomainError as error:
        return form_failed(
            error, "close", "partials/accounts/_close_form.html", _page_view(account_id), account=account
        )
    # The whole page changes (status, no more money forms): the detail fragment reloads itself.
    return done(
        f"Account {account.number} is closed.",
        url_for("accounts.detail", account_id=account_id),
        events=["account-changed"],
    )


def _staff_on_anothers(actor, account) -> bool:
    return actor.is_staff and account.owner_id != actor.user_id


@bp.post("/accounts/<int:account_id>/entries/<int:entry_id>/reverse")
@money_limit
def reverse(account_id: int, entry_id: int):
    """Staff: reverse one history line of the account being viewed (the service refuses customers)."""
    actor = require_actor()
    account = services().accounts.get(actor, account_id)
    try:
        result = services().ledger.reverse(actor, entry_id, required_reason(actor.is_staff), idempotent_form())
        if isinstance(result, Approval) or (isinstance(result, Replayed) and result.status == 202):
            return _sent_for_approval(account_id, entry_id, account.currency, result)
        entry = settled(result)
    except DomainError as error:
        if any(isinstance(e, dict) and e.get("field") == "reason" for e in error.errors):
            return _reason_refused(error, account, entry_id)
        recorded = "entry_id" in error.extra  # a decline was written to the ledger: show it in the history
        return action_failed(
            error,
            "reverse",
            _page_view(account_id),
            message=REVERSAL_DECLINED if error.code == "insufficient_funds" else None,
            events=["balance-changed"] if recorded else (),
        )
    if entry is None:
        message = "That form was already submitted; nothing was moved twice."
    else:
        message = f"Reversed entry #{entry_id}: {format_cents(entry.amount_cents, account.currency)} moved back."
    return done(message, url_for("accounts.detail", account_id=account_id), events=["balance-changed"])


def _reason_refused(error: DomainError, account, entry_id: int):
    """No reason, or one the text rule refuses: said next to the reason field (SPEC 10), in the line's
    own reverse row for HTMX, or on the page with that line's form open."""

    def page_view(forms, status):
        failed = {**forms["reverse"], "entry_id": entry_id}  # which line's form to open
        return detail_page(account.id, forms={"reverse": failed}, status=status)

    return form_failed(
        error, "reverse", "partials/accounts/_reverse_row.html", page_view, account=account, entry_id=entry_id
    )


def _sent_for_approval(account_id: int, entry_id: int, currency: str, result):
    """A reversal of at least DUAL_CONTROL_CENTS waits for a second staff member (SPEC 15): nothing
    moved yet; the history line now says so, with a link to the approvals inbox."""
    if isinstance(result, Approval):
        amount = format_cents(result.details["amount_cents"], currency)
        message = f"Sent for approval: reversing entry #{entry_id} ({amount}) needs a second staff member."
    else:
        message = "That form was already submitted: the reversal waits for approval."
    return done(message, url_for("accounts.detail", account_id=account_id), events=["balance-changed"])
