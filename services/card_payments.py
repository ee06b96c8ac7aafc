"""A payment with a card, as a purchase (services/ledger.py) or an authorisation (services/holds.py):
the same checks and the same movement, decided by the ledger; only what follows a yes differs."""

from __future__ import annotations

from entities.accounts import SystemAccount, check_pin_format
from entities.cards import check_merchant
from entities.ledger import EntryKind, Movement
from entities.money import check_amount_cents
from entities.users import Actor
from services.cards import load_card


def check_card_payment(merchant, amount_cents: int, pin: str) -> str:
    """The request's own fields, before any unit of work opens; the merchant as it is stored."""
    merchant = check_merchant(merchant)
    check_amount_cents(amount_cents)
    check_pin_format(pin)
    return merchant


def card_movement(
    uow, actor: Actor, card_id: int, amount_cents: int, merchant: str, pin: str, action: str, **details
) -> Movement:
    """The card's account to card-settlement, with the account's PIN. A card the actor may not use is
    audited under ``action`` and 404; a frozen or cancelled card makes the movement a decline
    (card_frozen, card_cancelled) that comes before the PIN is checked: the card is refused, not the
    holder. The card is read under its account's lock, so a cancel that committed first is seen."""
    card, account = load_card(uow, actor, card_id, action, lock=True)
    settlement = uow.accounts.system(SystemAccount.CARD_SETTLEMENT, account.currency)
    return Movement(
        EntryKind.CARD_PURCHASE,
        account,
        settlement,
        amount_cents,
        account,
        actor.user_id,
        merchant,
        pin,
        declined_for=card.payment_refusal(),
        details={"card_id": card.id, **details},
    )
