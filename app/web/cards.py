"""Cards page: a person's accounts and their debit cards; issue and replace (number and CVV shown
once), freeze, unfreeze, cancel. Staff manage a customer's cards at /cards?owner_id=N (the service
decides who may see whose); every form of that view carries owner_id back, so an HTMX swap and a
plain post's redirect both return to the customer's cards, not the staff member's own."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.errors import status_of
from app.web.account_holds import cards_authorizations, earlier_pending, hold_expiry_text
from app.web.forms import NOT_FORM_ERRORS, form_int, form_state, free_text, required_reason
from app.web.htmx import done, fragment, hx_trigger, is_htmx, render
from entities.errors import DomainError

bp = Blueprint("cards", __name__)

PAGE = "pages/cards/index.html"
INDEX = "partials/cards/_index.html"
SLOT = "partials/cards/_slot.html"


def view_owner() -> int | None:
    """Whose cards the page shows: the ``owner_id`` of the query string or of the submitted form, or
    None for one's own. Only a view: the service decides whether the caller may see them."""
    source = request.form if request.form.get("owner_id") else request.args
    return form_int("owner_id", source) if source.get("owner_id") else None


@bp.before_request
def _owner_id_is_well_formed():
    """A malformed owner_id is refused (422) before any action runs, not after it succeeded; a
    visitor who is not signed in is sent to the login page first, whatever the query string says."""
    require_actor()
    view_owner()


def cards_url(account=None) -> str:
    """The cards page an action returns to: the page of the account's owner once the service has
    acted (whatever owner_id the form carried), else the page the request names."""
    return url_for("cards.index", owner_id=_owner_of(account) if account is not None else view_owner())


def _owner_of(account) -> int | None:
    """Whose cards page shows ``account``: None (one's own page) for the caller's own account."""
    return None if account.owner_id == require_actor().user_id else account.owner_id


def _page(forms=None, status: int = 200, issued=None, cancelled=None, owner_id=...):
    actor = require_actor()
    owner_id = view_owner() if owner_id is ... else owner_id
    slots = services().cards.overview(actor, owner_id)  # someone else's cards: staff only, else 404
    customer = None if owner_id in (None, actor.user_id) else services().admin.get_user(actor, owner_id)
    holds = {"authorizations": cards_authorizations(slots), "hold_expiry": hold_expiry_text()}
    return render(
        PAGE,
        INDEX,
        status,
        slots=slots,
        forms=forms or {},
        issued=issued,
        cancelled=cancelled,
        customer=customer,
        owner_id=customer.id if customer else None,
        earlier_pending=earlier_pending(slots),
        **holds,
    )


def _slot(account, card, **extra) -> dict:
    """What the slot partial needs after an action on one account's card."""
    context = {"account": account, "card": card, "issued": None, "forms": {}, "owner_id": _owner_of(account)}
    if card is None:
        context["earlier_pending"] = earlier_pending([(account, None)])
    return {**context, **extra}


def _slot_failed(error: DomainError, name: str, account_id: int | None = None, card_id: int | None = None):
    """A refused issue, replace or cancel next to its form: the slot (as it stands now) for HTMX, the
    page otherwise. A hidden card or account is the central 404 (the service audited it)."""
    if error.code in NOT_FORM_ERRORS:
        raise error
    state, status = form_state(error), status_of(error)
    if not is_htmx():
        return _page(forms={name: state}, status=status)
    actor = require_actor()
    if account_id is None:
        account_id = services().cards.with_account(actor, card_id)[0].id
    account, card = services().cards.slot(actor, account_id)
    return fragment(SLOT, status, **_slot(account, card, forms={name: state}))


def _whose(account, own: str = "Your") -> str:
    """Whose card a toast names: ``own`` for one's own, the customer's name for staff on theirs."""
    actor = require_actor()
    if account.owner_id == actor.user_id:
        return own
    return f"{services().admin.get_user(actor, account.owner_id).full_name}’s"


@bp.get("/cards")
def index():
    return _page()


@bp.post("/cards")
def issue():
    """Issue a card on one of the accounts shown. The answer is the only page that shows the full
    number and CVV; a plain form post gets that page itself (201), not a redirect, as the secrets must
    not travel through a cookie or a URL."""
    actor = require_actor()
    account_id = form_int("account_id")
    try:
        issued = services().cards.issue(actor, account_id)
    except DomainError as error:
        return _slot_failed(error, f"issue-{account_id}", account_id)
    account = services().accounts.get(actor, account_id)
    if not is_htmx():  # the page of the card's owner, whatever owner_id the form carried
        return _page(status=201, issued=issued, owner_id=_owner_of(account))
    response = fragment(SLOT, 201, **_slot(account, issued.card, issued=issued))
    last4 = issued.card.pan_last4
    message = f"{_whose(account)} card ending {last4} is ready. Note its number now: it is shown only once."
    return hx_trigger(response, message)


@bp.post("/cards/<int:card_id>/replace")
def replace(card_id: int):
    """Cancel the card and issue a new one on its account: the answer shows the new number and CVV
    once (a plain post gets the page itself, 201, as for an issue)."""
    actor = require_actor()
    try:
        issued = services().cards.replace(actor, card_id, free_text("reason"))
    except DomainError as error:
        return _slot_failed(error, f"replace-{card_id}", card_id=card_id)
    account, old = services().cards.with_account(actor, card_id)
    if not is_htmx():  # the page of the card's owner, whatever owner_id the form carried
        return _page(status=201, issued=issued, cancelled=old, owner_id=_owner_of(account))
    response = fragment(SLOT, 201, **_slot(account, issued.card, issued=issued, cancelled=old))
    message = (
        f"{_whose(account)} new card ending {issued.card.pan_last4} is ready and the card ending {old.pan_last4} "
        "is cancelled. Note the new number now: it is shown only once."
    )
    return hx_trigger(response, message)


@bp.post("/cards/<int:card_id>/cancel")
def cancel(card_id: int):
    """Cancel the card for good; the slot then offers to issue a new one."""
    actor = require_actor()
    try:
        card = services().cards.cancel(actor, card_id, free_text("reason"))
    except DomainError as error:
        return _slot_failed(error, f"cancel-{card_id}", card_id=card_id)
    account = services().accounts.get(actor, card.account_id)
    message = f"{_whose(account)} card ending {card.pan_last4} is cancelled: payments with it are declined."
    return done(message, cards_url(account), partial=SLOT, **_slot(account, None, cancelled=card))


def _status_change(card_id: int, action: str, message: str):
    """Freeze or unfreeze. Staff on a customer's card (the view of someone else's cards) give a reason,
    which the audit record keeps; on one's own card it is one step."""
    actor = require_actor()
    on_behalf = view_owner() not in (None, actor.user_id)
    try:
        reason = required_reason() if on_behalf else None
    except DomainError as error:  # beside the reason's field; a refusal of the change itself is a toast
        return _slot_failed(error, f"{action}-{card_id}", card_id=card_id)
    card = getattr(services().cards, action)(actor, card_id, reason)
    account = services().accounts.get(actor, card.account_id)
    text = message.format(whose=_whose(account, own=""), last4=card.pan_last4).strip()
    return done(text[0].upper() + text[1:], cards_url(account), partial=SLOT, **_slot(account, card))


@bp.post("/cards/<int:card_id>/freeze")
def freeze(card_id: int):
    return _status_change(card_id, "freeze", "{whose} card ending {last4} is frozen: purchases with it are declined.")


@bp.post("/cards/<int:card_id>/unfreeze")
def unfreeze(card_id: int):
    return _status_change(card_id, "unfreeze", "{whose} card ending {last4} is active again.")
