"""Transfer: recipient lookup as you type, inline validation, a confirmation step, then the PIN."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import lookup_limit, money_limit
from app.web.forms import form_failed, form_int, form_state, free_text, optional, parse_amount
from app.web.htmx import done, fragment, render
from app.web.idempotent_forms import idempotent_form, settled
from app.web.messages import available_cents
from app.web.step_up import step_up_needed
from entities.accounts import luhn_valid
from entities.errors import DomainError, FieldErrors, NotFound, ValidationFailed
from entities.money import format_cents
from entities.text import clean_text
from services.ledger import MAX_MEMO

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


def _confirmation(accounts) -> dict:
    """Step one's input, parsed: the source account, the recipient (number and masked name), the
    amount and the memo. Every bad field is reported at once."""
    problems = FieldErrors()
    source_id = problems.check(form_int, "from_account_id")
    source = next((a for a in accounts if a.id == source_id), None)
    if source_id is not None and source is None:
        problems.errors.append({"field": "from_account_id", "message": "choose one of your accounts"})
    amount_cents = problems.check(parse_amount)
    memo = problems.check(clean_text, free_text("memo"), "memo", MAX_MEMO, required=False)
    number = target_number()
    recipient = problems.check(_recipient, number)
    if source is not None:
        problems.errors.extend(_refusals_before_the_pin(source, accounts, number, amount_cents))
    problems.raise_any()
    return {
        "source": source,
        "recipient": recipient,
        "amount_cents": amount_cents,
        "memo": memo,
        "step_up": step_up_needed(amount_cents),  # SPEC 15: the code field only when it will be asked for
    }


def target_number() -> str:
    """The recipient's number: one of the caller's own accounts picked from the list, or as typed."""
    return (request.form.get("to_own_account") or request.form.get("to_account_number", "")).strip()


def _refusals_before_the_pin(source, accounts, number: str, amount_cents) -> list[dict]:
    """Fail early (SPEC 10): the same account, another currency among one's own accounts, or more
    than is available are refused on the first step, before the PIN is asked for."""
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


def _recipient(number: str) -> dict:
    try:
        return services().accounts.lookup(require_actor(), number)
    except NotFound:
        raise ValidationFailed(
            errors=[{"field": "to_account_number", "message": "no open account has this number"}]
        ) from None


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
    """Back from the confirmation step to the filled-in form, the recipient still confirmed."""
    return _render(FORM, forms={"transfer": form_state()}, holder=request.form.get("holder") or None)


@bp.post("/transfers")
@money_limit
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
                free_text("memo"),
                idempotent_form(),
                otp=optional("otp"),
            )
        )
    except DomainError as error:
        accounts = _accounts()
        amount_cents = _amount_or_none()
        shown = {
            "source": next((a for a in accounts if str(a.id) == form.get("from_account_id")), None),
            "recipient": {"number": form.get("to_account_number", ""), "holder": form.get("holder", "")},
            "amount_cents": amount_cents,
            "memo": free_text("memo"),
            "accounts": accounts,
            "step_up": error.code in ("mfa_required", "invalid_code") or step_up_needed(amount_cents),
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
