"""The transfer form's steps, shared by a customer's own transfer (app/web/transfers.py) and a
teller's on a customer's behalf (app/web/teller_transfers.py): the same partials, the same checks on
the first step, the same confirmation. A TransferFlow says where each step posts and the words that
differ (whose accounts, whose PIN, whose code)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from app.auth import require_actor, services
from app.web.forms import form_int, free_text, optional, parse_amount
from app.web.idempotent_forms import idempotent_form, settled
from app.web.messages import available_cents
from app.web.step_up import step_up_needed
from entities.errors import DomainError, FieldErrors, NotFound, ValidationFailed
from entities.money import format_cents
from entities.text import clean_text
from services.ledger import MAX_MEMO

FORM = "partials/transfers/_form.html"
CONFIRM = "partials/transfers/_confirm.html"
DONE = "partials/transfers/_done.html"


@dataclass(frozen=True)
class TransferFlow:
    """Where the steps post and what they call things. The defaults are the customer's own words."""

    review_url: str
    edit_url: str
    confirm_url: str
    new_url: str
    no_accounts: str
    no_accounts_link: tuple[str, str]  # (label, url): where an account can be opened
    done_link: tuple[str, str] | None = None  # None: "View account", the sending account's page
    from_label: str = "From account"
    own_label: str = "To one of your accounts"
    own_hint: str = "Someone else's 10-digit account number; leave it empty for one of your own."
    choose_source: str = "choose one of your accounts"
    pin_label: str = "PIN of the sending account"
    pin_hint: str | None = None
    otp_label: str = "Code from your authenticator app"
    otp_hint: str = "This amount needs a 6-digit code from your app as well as the PIN."


def target_number() -> str:
    """The recipient's number: one of the sender's own accounts picked from the list, or as typed."""
    return (request.form.get("to_own_account") or request.form.get("to_account_number", "")).strip()


def read_details(accounts, flow: TransferFlow) -> dict:
    """Step one's input, parsed: the source account (one of ``accounts``), the recipient (number
    and masked name), the amount and the memo. Every bad field is reported at once, then what the
    service would refuse before the PIN."""
    problems = FieldErrors()
    source_id = problems.check(form_int, "from_account_id")
    source = next((a for a in accounts if a.id == source_id), None)
    if source_id is not None and source is None:
        problems.errors.append({"field": "from_account_id", "message": flow.choose_source})
    amount_cents = problems.check(parse_amount)
    memo = problems.check(clean_text, free_text("memo"), "memo", MAX_MEMO, required=False)
    number = target_number()
    recipient = problems.check(find_recipient, number)
    if source is not None:
        problems.errors.extend(refusals_before_the_pin(source, accounts, number, amount_cents))
    problems.raise_any()
    # The service's own refusals before the PIN, for any recipient (another customer's account in
    # another currency; staff sending a customer's money into their own account): raised now.
    services().ledger.check_transfer(require_actor(), source.id, recipient["number"])
    return {
        "source": source,
        "recipient": recipient,
        "amount_cents": amount_cents,
        "memo": memo,
        "step_up": step_up_needed(amount_cents),  # SPEC 15: the code field only when it will be asked for
    }


def refusals_before_the_pin(source, accounts, number: str, amount_cents) -> list[dict]:
    """Fail early (SPEC 10): the same account, another currency among the sender's own accounts, or
    more than is available are refused on the first step, before the PIN is asked for."""
    refusals = []
    own_target = next((a for a in accounts if a.number == number), None)
    if number == source.number:
        refusals.append({"field": "to_account_number", "message": "this is the account you are sending from"})
    elif own_target is not None and own_target.currency != source.currency:
        refusals.append({"field": "to_account_number", "message": f"that account holds {own_target.currency}"})
    if amount_cents is not None and amount_cents > available_cents(source):
        available = format_cents(available_cents(source), source.currency)
        refusals.append({"field": "amount", "message": f"more than the {available} available in this account"})
    return refusals


def find_recipient(number: str) -> dict:
    """The recipient's number and masked name; a field error when no open account has the number."""
    try:
        return services().accounts.lookup(require_actor(), number)
    except NotFound:
        raise ValidationFailed(
            errors=[{"field": "to_account_number", "message": "no open account has this number"}]
        ) from None


def send(source_id: int):
    """The confirmation step's transfer, with its idempotency key: the entry, or None for a replayed
    success (nothing moved twice); a replayed decline is raised again."""
    form = request.form
    return settled(
        services().ledger.transfer(
            require_actor(),
            source_id,
            form.get("to_account_number", "").strip(),
            parse_amount(),
            form.get("pin", ""),
            free_text("memo"),
            idempotent_form(),
            otp=optional("otp"),  # the caller's own code (step-up, SPEC 15)
        )
    )


def shown_again(accounts, error: DomainError, holder: str) -> dict:
    """What a refused confirmation shows again: the details as submitted, and the code field if the
    refusal was about the code or the amount asks for one."""
    form = request.form
    amount_cents = amount_or_none()
    return {
        "source": next((a for a in accounts if str(a.id) == form.get("from_account_id")), None),
        "recipient": {"number": form.get("to_account_number", "").strip(), "holder": holder},
        "amount_cents": amount_cents,
        "memo": free_text("memo"),
        "accounts": accounts,
        "step_up": error.code in ("mfa_required", "invalid_code") or step_up_needed(amount_cents),
    }


def balance_after(entry, account_id: int):
    """The sending account's balance after the entry (None for a replayed submission)."""
    if entry is None:
        return None
    return next(p.balance_after_cents for p in entry.postings if p.account_id == account_id)


def amount_or_none():
    try:
        return parse_amount()
    except DomainError:
        return None
