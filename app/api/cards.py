"""/accounts/{id}/card (issue, show masked), /cards/{id}/freeze|unfreeze|cancel|replace, /cards/{id}/purchases."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, money_call, operation, parse_body
from app.api.schemas import CardChangeIn, CardPurchaseIn, EmptyIn, ReasonIn
from app.auth import require_actor, services
from app.ratelimit import money_limit


@operation(
    bp,
    "POST",
    "/accounts/<int:account_id>/card",
    "Issue the account's debit card (the only answer with the full PAN and CVV)",
    tag="cards",
    body=EmptyIn,
    status=201,
    response="IssuedCard",
    errors=(401, 404, 409),
)
def issue_card(account_id: int):
    actor = require_actor()
    parse_body(EmptyIn)
    issued = services().cards.issue(actor, account_id)
    # The full PAN and CVV are in this body only: no cache may keep it.
    return json_response(out.issued_card(issued), 201, {"Cache-Control": "no-store"})


@operation(
    bp,
    "GET",
    "/accounts/<int:account_id>/card",
    "The account's card, masked",
    tag="cards",
    response="Card",
    errors=(401, 404),
)
def get_card(account_id: int):
    return json_response(out.card(services().cards.for_account(require_actor(), account_id)))


def _status_change(name: str, summary: str):
    def view(card_id: int):
        actor = require_actor()
        data = parse_body(ReasonIn)
        return json_response(out.card(getattr(services().cards, name)(actor, card_id, data.reason)))

    view.__name__ = f"card_{name}"
    operation(
        bp,
        "POST",
        f"/cards/<int:card_id>/{name}",
        summary,
        tag="cards",
        body=ReasonIn,
        response="Card",
        errors=(401, 404, 409, 422),
    )(view)


_status_change("freeze", "Freeze a card: its purchases are declined")
_status_change("unfreeze", "Unfreeze a card")


@operation(
    bp,
    "POST",
    "/cards/<int:card_id>/cancel",
    "Cancel a card for good: its payments are declined from now on",
    tag="cards",
    body=CardChangeIn,
    response="Card",
    errors=(401, 404, 409),
)
def card_cancel(card_id: int):
    """Cancel the card (lost, stolen, no longer wanted): the answer is the card, `cancelled`. It cannot
    be frozen, unfrozen, replaced or used again: a purchase or an authorisation with it is declined
    `409 card_cancelled` and recorded as a declined entry. Payments it authorised before stay
    pending and can still be captured (the shop was promised the money) or voided. The account may
    then get a new card (`POST /accounts/{id}/card`). The card's owner or staff; staff on a
    customer's card give a `reason` (else `422 validation_error` on `reason`), which the audit
    record keeps."""
    actor = require_actor()
    data = parse_body(CardChangeIn)
    return json_response(out.card(services().cards.cancel(actor, card_id, data.reason)))


@operation(
    bp,
    "POST",
    "/cards/<int:card_id>/replace",
    "Replace a card: cancel it and issue a new one on the same account (the new PAN and CVV, once)",
    tag="cards",
    body=CardChangeIn,
    status=201,
    response="IssuedCard",
    errors=(401, 404, 409),
)
def card_replace(card_id: int):
    """Cancel the card and issue its successor on the same account, in one transaction: the answer is
    the new card with its full `pan` and `cvv`, shown this once (as at issue; the CVV is never
    stored). An active or frozen card may be replaced; the account must be active (else
    `409 account_unavailable`); a cancelled card cannot be (`409 card_cancelled`), so of two replaces
    racing exactly one succeeds. Same people and `reason` rule as a cancel."""
    actor = require_actor()
    data = parse_body(CardChangeIn)
    issued = services().cards.replace(actor, card_id, data.reason)
    # The full PAN and CVV are in this body only: no cache may keep it.
    return json_response(out.issued_card(issued), 201, {"Cache-Control": "no-store"})


@operation(
    bp,
    "POST",
    "/cards/<int:card_id>/purchases",
    "Card purchase with the account's PIN",
    tag="money",
    body=CardPurchaseIn,
    status=201,
    response="MoneyEntry",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 423, 429),
)
@money_limit
def card_purchase(card_id: int):
    actor = require_actor()
    data = parse_body(CardPurchaseIn)
    return money_call(
        lambda idem: services().cards.purchase(actor, card_id, data.amount_cents, data.merchant, data.pin, idem),
        lambda entry: out.entry(entry, balance_of=entry.account_id),
    )
