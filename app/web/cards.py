"""Cards page: my accounts and their debit cards; issue (number and CVV shown once), freeze, unfreeze."""

from __future__ import annotations

from flask import Blueprint, url_for

from app.auth import require_actor, services
from app.web.account_holds import cards_authorizations, hold_expiry_text
from app.web.forms import form_failed, form_int
from app.web.htmx import done, fragment, hx_trigger, is_htmx, render
from entities.errors import DomainError

bp = Blueprint("cards", __name__)

PAGE = "pages/cards/index.html"
INDEX = "partials/cards/_index.html"
SLOT = "partials/cards/_slot.html"


def _page(forms=None, status: int = 200, issued=None):
    slots = services().cards.overview(require_actor())
    holds = {"authorizations": cards_authorizations(slots), "hold_expiry": hold_expiry_text()}
    return render(PAGE, INDEX, status, slots=slots, forms=forms or {}, issued=issued, **holds)


@bp.get("/cards")
def index():
    return _page()


@bp.post("/cards")
def issue():
    """Issue a card on one of my accounts. The answer is the only page that shows the full number
    and CVV; a plain form post gets that page itself (201), not a redirect, as the secrets must not
    travel through a cookie or a URL."""
    actor = require_actor()
    account_id = form_int("account_id")
    try:
        issued = services().cards.issue(actor, account_id)
    except DomainError as error:
        # A hidden account is the central 404; a refusal (card_exists, ...) shows next to the button.
        slot = next(((a, c) for a, c in services().cards.overview(actor) if a.id == account_id), (None, None))
        return form_failed(error, f"issue-{account_id}", SLOT, _page, account=slot[0], card=slot[1], issued=None)
    if not is_htmx():
        return _page(status=201, issued=issued)
    account = services().accounts.get(actor, account_id)
    response = fragment(SLOT, 201, account=account, card=issued.card, issued=issued, form={})
    message = f"Your card ending {issued.card.pan_last4} is ready. Note its number now: it is shown only once."
    return hx_trigger(response, message)


def _status_change(card_id: int, action: str, message: str):
    actor = require_actor()
    card = getattr(services().cards, action)(actor, card_id)
    account = services().accounts.get(actor, card.account_id)
    return done(
        message.format(last4=card.pan_last4),
        url_for("cards.index"),
        partial=SLOT,
        account=account,
        card=card,
        issued=None,
        form={},
    )


@bp.post("/cards/<int:card_id>/freeze")
def freeze(card_id: int):
    return _status_change(card_id, "freeze", "Card ending {last4} is frozen: purchases with it are declined.")


@bp.post("/cards/<int:card_id>/unfreeze")
def unfreeze(card_id: int):
    return _status_change(card_id, "unfreeze", "Card ending {last4} is active again.")
