"""Holds on the pages (SPEC 13, 14): the simulated merchant terminal and a card's authorisations
(capture, void), staff release of a hold, the daily limit form, and the teller's holds."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import money_limit
from app.web.account_holds import card_authorizations, desk_hold_rows, hold_expiry_text
from app.web.accounts import detail_page
from app.web.cards import _page as cards_page
from app.web.cards import cards_url, view_owner
from app.web.forms import action_failed, form_failed, form_int, form_state, free_text, parse_amount
from app.web.htmx import done, fragment, is_htmx
from app.web.idempotent_forms import idempotent_form, settled
from app.web.navigation import safe_next
from app.web.teller import _customer, _desk
from entities.accounts import check_pin_format
from entities.cards import check_merchant
from entities.errors import DomainError, FieldErrors, ValidationFailed
from entities.holds import MAX_HOLD_SECONDS
from entities.money import format_cents, parse_decimal_amount

bp = Blueprint("holds", __name__)

AUTHORIZATIONS = "partials/holds/_authorizations.html"
AUTHORIZE_FORM = "partials/holds/_authorize_form.html"
CAPTURE_FORM = "partials/holds/_capture_form.html"
LIMIT_FORM = "partials/holds/_limit_form.html"
STAFF_HOLD_FORM = "partials/holds/_staff_hold_form.html"
DESK_HOLDS = "partials/holds/_desk_holds.html"
# A hold changes the available balance (account page), a card's list (cards page) and the desk.
CHANGED = ["balance-changed", "holds-changed", "customer-changed"]
EXPIRY_UNITS = {"hours": 3_600, "days": 86_400}
AUTHORIZE_FIELDS = {"limit_exceeded": "amount", "card_frozen": "pin", "card_cancelled": "pin"}
RAISE_REFUSED = "Only a teller can raise or remove your daily limit; here you can lower it."


# -- the cards page: a card's authorisations and the simulated merchant terminal -------------------


@bp.get("/cards/<int:card_id>/authorizations")
def authorizations(card_id: int):
    """The card's authorisations fragment; it reloads itself after any hold change. A customer sees
    their own cards' only (another's is 404, audited), staff a customer's (``owner_id``: their view)."""
    if not is_htmx():
        return cards_page()
    actor = require_actor()
    account, card = services().cards.with_account(actor, card_id)
    auths = {card.id: card_authorizations(actor, account.id, card.id)}
    owner_id = None if account.owner_id == actor.user_id else account.owner_id
    return fragment(
        AUTHORIZATIONS,
        account=account,
        card=card,
        authorizations=auths,
        hold_expiry=hold_expiry_text(),
        owner_id=owner_id,
    )


@bp.post("/cards/<int:card_id>/authorizations")
@money_limit
def authorize(card_id: int):
    """The merchant terminal of this simulation: a hold for the amount, with the card's PIN."""
    actor = require_actor()
    account, card = services().cards.with_account(actor, card_id)
    merchant, pin = request.form.get("merchant", ""), request.form.get("pin", "")
    try:
        fields = FieldErrors()  # every empty or malformed field at once
        fields.check(check_merchant, merchant)
        amount_cents = fields.check(parse_amount)
        fields.check(check_pin_format, pin)
        fields.raise_any()
        hold = settled(services().holds.authorize(actor, card_id, amount_cents, merchant, pin, idempotent_form()))
    except DomainError as error:
        return form_failed(
            error, f"authorize-{card_id}", AUTHORIZE_FORM, cards_page, AUTHORIZE_FIELDS, account=account, card=card
        )
    if hold is None:
        message = "That form was already submitted; nothing was authorised twice."
    else:
        amount = format_cents(hold.amount_cents, account.currency)
        message = f"Authorised {amount} at {hold.merchant}: held on your account until it is captured or voided."
    return done(
        message, url_for("cards.index"), events=CHANGED, partial=AUTHORIZE_FORM, account=account, card=card, form={}
    )


def _in_words(error: DomainError, hold, currency: str) -> DomainError:
    """A hold's refusal as the page says it: in money, not cents, and next to the amount field."""
    if error.code == "hold_not_pending":
        error.detail = "This payment is no longer pending: it was captured, voided or has expired."
    elif error.code == "not_capturable":
        error.detail = "A hold placed by the bank cannot be captured; only released."
    for item in error.errors:
        if isinstance(item, dict) and item.get("field") == "amount_cents":
            item["field"] = "amount"
            item["message"] = f"must be at most {format_cents(hold.amount_cents, currency)}, the amount held"
    return error


@bp.post("/holds/<int:hold_id>/capture")
@money_limit
def capture(hold_id: int):
    """Take all or part of a pending card authorisation; the rest is released."""
    actor = require_actor()
    hold = services().holds.get(actor, hold_id)  # another customer's hold: 404
    account = services().accounts.get(actor, hold.account_id)
    try:
        raw = request.form.get("amount", "").strip()
        amount_cents = parse_decimal_amount(raw, "amount") if raw else None
        entry = settled(services().holds.capture(actor, hold_id, amount_cents, idempotent_form()))
    except DomainError as error:
        error = _in_words(error, hold, account.currency)
        context = {"hold": hold, "account": account, "owner_id": view_owner(), "capture_next": _back_to_cards(account)}
        return form_failed(error, f"capture-{hold_id}", CAPTURE_FORM, cards_page, **context)
    if entry is None:
        message = "That form was already submitted; nothing was captured twice."
    else:
        message = f"Captured {format_cents(entry.amount_cents, account.currency)} at {hold.merchant}."
        if rest := hold.amount_cents - entry.amount_cents:
            message += f" The other {format_cents(rest, account.currency)} is available again."
    return done(message, _back_to_cards(account), events=CHANGED)


def _back_to_cards(account) -> str:
    """Where a capture or void returns to: the page that sent it, else the cards page of the
    account's owner (a customer's, for staff)."""
    return safe_next(request.form.get("next"), cards_url(account))


@bp.before_request
def _owner_id_is_well_formed():
    """A malformed owner_id is refused (422) before a capture or void runs, never after it committed."""
    require_actor()
    view_owner()


@bp.post("/holds/<int:hold_id>/void")
def void(hold_id: int):
    """Void a card authorisation (its owner or staff) or release a staff hold (staff): nothing is taken."""
    actor = require_actor()
    back = request.form.get("next")
    try:
        hold = services().holds.void(actor, hold_id)
    except DomainError as error:
        seen = services().holds.get(actor, hold_id)  # another customer's hold: 404 here, as in the service
        currency = services().accounts.get(actor, seen.account_id).currency
        return action_failed(
            _in_words(error, seen, currency), "void", lambda **kw: detail_page(seen.account_id, **kw), events=CHANGED
        )
    account = services().accounts.get(actor, hold.account_id)
    amount = format_cents(hold.amount_cents, account.currency)
    if hold.is_card:
        message = f"Voided the {amount} payment at {hold.merchant}: nothing was taken."
    else:
        message = f"Released the hold of {amount} ({hold.reason}): the money is available again."
    return done(message, safe_next(back, url_for("accounts.detail", account_id=account.id)), events=CHANGED)


# -- the daily limit (account page and teller desk) ------------------------------------------------


@bp.post("/accounts/<int:account_id>/limit")
def set_limit(account_id: int):
    """Owners set or lower their limit; staff set any value on a customer's account, or remove it."""
    actor = require_actor()
    account = services().accounts.get(actor, account_id)
    next_url = request.form.get("next") or None
    try:
        removing = request.form.get("op") == "remove"
        value = None if removing else parse_decimal_amount(request.form.get("daily_limit"), "daily_limit")
        account = services().holds.set_daily_limit(actor, account_id, value)
    except DomainError as error:
        return _limit_failed(error, account, next_url)
    short = f"···{account.number[-4:]}"
    if account.daily_limit_cents is None:
        message = f"{short} has no daily limit now."
    else:
        message = f"The daily limit of {short} is {format_cents(account.daily_limit_cents, account.currency)}."
    return done(
        message,
        safe_next(next_url, url_for("accounts.detail", account_id=account_id)),
        events=CHANGED,
        partial=LIMIT_FORM,
        account=account,
        form={},
        next_url=next_url,
    )


def _limit_failed(error: DomainError, account, next_url):
    """The refusal next to the limit field; a raise by the owner (403) says who can raise it."""
    page = lambda **kw: detail_page(account.id, **kw)  # noqa: E731
    if error.code != "forbidden":
        for item in error.errors:
            if isinstance(item, dict) and item.get("field") == "daily_limit_cents":
                item.update(field="daily_limit", message=f"must be at most {format_cents(10**12, account.currency)}")
        return form_failed(error, "limit", LIMIT_FORM, page, account=account, next_url=next_url)
    state = form_state()
    state["errors"] = {"daily_limit": RAISE_REFUSED}
    if is_htmx():
        return fragment(LIMIT_FORM, 403, form=state, account=account, next_url=next_url)
    return page(forms={"limit": state}, status=403)


# -- the teller desk: staff holds ---------------------------------------------------------------------


def _expires_in_seconds() -> int | None:
    """The optional expiry as a number of days or hours; empty: the hold lasts until released."""
    raw = request.form.get("expires_in", "").strip()
    if not raw:
        return None
    size = EXPIRY_UNITS.get(request.form.get("expires_unit", "days"))
    if size is None:
        raise ValidationFailed(errors=[{"field": "expires_unit", "message": "choose days or hours"}])
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) * size <= MAX_HOLD_SECONDS:
        most = MAX_HOLD_SECONDS // 86_400
        raise ValidationFailed(errors=[{"field": "expires_in", "message": f"a whole number, at most {most} days"}])
    return int(raw) * size


@bp.post("/teller/customers/<int:user_id>/holds")
@money_limit
def place(user_id: int):
    """Staff: a hold (a lien) on one of the customer's accounts (the service refuses customers)."""
    actor = require_actor()
    context = _customer(user_id)  # a customer asking: 403 here, as on the rest of the desk
    reason = free_text("reason")
    try:
        fields = FieldErrors()
        account_id = fields.check(form_int, "account_id")
        amount_cents = fields.check(parse_amount)
        if reason is None:
            fields.errors.append({"field": "reason", "message": "say why the money is held"})
        expires_in = fields.check(_expires_in_seconds)
        fields.raise_any()
        hold = services().holds.place(actor, account_id, amount_cents, reason, expires_in)
    except DomainError as error:
        return form_failed(error, "staff_hold", STAFF_HOLD_FORM, lambda **kw: _desk(user_id, **kw), **context)
    account = next(a for a in context["accounts"] if a.id == hold.account_id)
    amount = format_cents(hold.amount_cents, account.currency)
    return done(
        f"Placed a hold of {amount} on ···{account.number[-4:]}: {hold.reason}.",
        url_for("teller.customer", user_id=user_id),
        events=CHANGED,
        partial=STAFF_HOLD_FORM,
        form={},
        **_customer(user_id),
    )


@bp.get("/teller/customers/<int:user_id>/holds")
def desk_holds(user_id: int):
    """The desk's holds and limits fragment; it reloads itself after any desk action."""
    if not is_htmx():
        return _desk(user_id)
    context = _customer(user_id)
    return fragment(DESK_HOLDS, **context, **desk_hold_rows(context["accounts"]))
