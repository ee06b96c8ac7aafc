"""Debit cards: issue (PAN and CVV shown once), read masked, freeze, cancel, replace, purchase, key rotation."""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from entities import valid_id
from entities.accounts import Account
from entities.cards import Card, CardStatus, IssuedCard, expiry_from, new_cvv, new_pan
from entities.clock import now_iso, utcnow
from entities.errors import AccountUnavailable, CardCancelled, CardExists, Forbidden, NotFound, ValidationFailed
from entities.users import Actor
from services import events
from services.accounts import load_visible
from services.audit import deny, reason_details, record
from services.card_cipher import ROTATION_BATCH, CardCipher, UndecryptableCard

REASON_NEEDED = "say why: the audit log keeps the reason"


def load_card(uow, actor: Actor, card_id, action: str, *, lock: bool = False) -> tuple[Card, Account]:
    """The card and its account if the actor may use it; otherwise audit and 404. With ``lock`` the
    account's row is locked and the card read again under it: every change of an account's cards and
    every payment with one takes that lock, so none decides on a card status another has changed."""
    card = uow.cards.get(card_id) if valid_id(card_id) else None
    account = uow.accounts.get(card.account_id) if card else None
    if account is None or (not actor.is_staff and account.owner_id != actor.user_id):
        deny(uow, actor, action, "card", card_id)
    if lock:
        uow.accounts.lock(account)
        card = uow.cards.get(card.id)
    return card, account


def reason_required(actor: Actor, account: Account, why: dict) -> dict:
    """Staff cancelling or replacing a customer's card say why (SPEC 10, like every consequential staff
    action); an owner may, staff on their own card included. ``why`` is reason_details' answer, which
    it returns as the audit details."""
    if not why and actor.is_staff and not account.is_owned_by(actor.user_id):
        raise ValidationFailed(
            "Say why: the audit log keeps the reason.", errors=[{"field": "reason", "message": REASON_NEEDED}]
        )
    return why


class CardService:
    def __init__(self, uow_factory, settings, ledger):
        self.uow = uow_factory
        self.settings = settings
        self.ledger = ledger
        self._cipher: CardCipher | None = None

    @property
    def cipher(self) -> CardCipher:
        # Built on first use so services that never touch cards run without CARD_KEYS.
        if self._cipher is None:
            self._cipher = CardCipher(self.settings.card_keys)
        return self._cipher

    def issue(self, actor: Actor, account_id: int) -> IssuedCard:
        """Issue the account's debit card. The PAN and CVV in the result are never shown again; the CVV
        is never stored, not even encrypted (PCI DSS v4 3.3.1.2): it exists only in this result."""
        with self.uow() as uow:
            account = load_visible(uow, actor, account_id, "card.issue")
            uow.accounts.lock(account)  # one card per account: a concurrent issue waits, then sees this one
            if not account.is_active:
                _refuse(
                    uow, actor, "card.issue", account, AccountUnavailable("Cards are issued on active accounts only")
                )
            if uow.cards.current_for_account(account.id) is not None:
                _refuse(uow, actor, "card.issue", account, CardExists())
            issued = self._new_card(uow, actor, account)
            uow.commit()
        return issued

    def _new_card(self, uow, actor: Actor, account: Account, **details) -> IssuedCard:
        """Add a new card to the (locked) account, audited and announced; its secrets are in the result only."""
        pan, cvv = new_pan(), new_cvv()
        month, year = expiry_from(utcnow().date())
        card = Card(None, account.id, pan[-4:], month, year, created_at=now_iso())
        card.pan_encrypted = self.cipher.encrypt(pan)
        uow.cards.add(card)
        record(
            uow,
            actor,
            "card.issue",
            "success",
            "card",
            card.id,
            account_id=account.id,
            pan_last4=card.pan_last4,
            **details,
        )
        events.card_changed(uow, "card.issued", card)
        return IssuedCard(card, pan, cvv)

    def cancel(self, actor: Actor, card_id: int, reason=None) -> Card:
        """Owner or staff: cancel the card for good (lost, stolen, not wanted). Its purchases and new
        authorisations are declined (409 card_cancelled, recorded); what it authorised before stays
        capturable. Staff on a customer's card give a reason, which the audit record keeps."""
        why = reason_details(reason)
        with self.uow() as uow:
            card, account = load_card(uow, actor, card_id, "card.cancel", lock=True)
            why = reason_required(actor, account, why)
            if card.is_cancelled:
                _refuse(uow, actor, "card.cancel", card, CardCancelled("This card is already cancelled"))
            _cancel(uow, card)
            details = {"account_id": account.id, "pan_last4": card.pan_last4, **why}
            record(uow, actor, "card.cancel", "success", "card", card.id, **details)
            uow.commit()
        return card

    def replace(self, actor: Actor, card_id: int, reason=None) -> IssuedCard:
        """Owner or staff: cancel the card and issue its successor on the same account in one
        transaction, so the account never has two cards nor, in between, none. Needs an active
        account; a frozen card may be replaced (the new one is active). The new PAN and CVV are in
        the result only, as at issue. Staff on a customer's card give a reason, as for a cancel."""
        why = reason_details(reason)
        with self.uow() as uow:
            card, account = load_card(uow, actor, card_id, "card.replace", lock=True)
            why = reason_required(actor, account, why)
            if card.is_cancelled:  # also the second of two replaces racing: the first cancelled it
                _refuse(
                    uow, actor, "card.replace", card, CardCancelled("This card is cancelled: it cannot be replaced")
                )
            if not account.is_active:
                _refuse(
                    uow, actor, "card.replace", card, AccountUnavailable("Cards are replaced on active accounts only")
                )
            _cancel(uow, card)
            issued = self._new_card(uow, actor, account, replaces_card_id=card.id)
            record(
                uow,
                actor,
                "card.replace",
                "success",
                "card",
                card.id,
                account_id=account.id,
                pan_last4=card.pan_last4,
                replacement_card_id=issued.card.id,
                **why,
            )
            uow.commit()
        return issued

    def for_account(self, actor: Actor, account_id: int) -> Card:
        """The account's card (masked: the entity carries ciphertext and the last four only)."""
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "card.read")
            card = uow.cards.current_for_account(account.id)
        if card is None:
            raise NotFound("This account has no card")
        return card

    def overview(self, actor: Actor, owner_id: int | None = None) -> list[tuple[Account, Card | None]]:
        """The accounts of ``owner_id`` (default: the caller's own), each with its card if it has one.
        Staff may name anyone (an unknown user is 404); a customer naming someone else gets the 404 that
        hides existence, audited."""
        owner_id = actor.user_id if owner_id is None else owner_id
        with self.uow(write=False) as uow:
            if owner_id != actor.user_id:
                if not actor.is_staff:
                    deny(uow, actor, "card.overview", "user", owner_id)
                if not valid_id(owner_id) or uow.users.get(owner_id) is None:
                    raise NotFound("No such customer")
            accounts = uow.accounts.for_owner(owner_id)
            cards = uow.cards.for_accounts([a.id for a in accounts])
        return [(account, cards.get(account.id)) for account in accounts]

    def slot(self, actor: Actor, account_id: int) -> tuple[Account, Card | None]:
        """One account and its card (None when it has none), for a page that shows one account's card."""
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "card.read")
            return account, uow.cards.current_for_account(account.id)

    def with_account(self, actor: Actor, card_id: int) -> tuple[Account, Card]:
        """The card (whatever its status) and its account, if the actor may see them; else 404, audited."""
        with self.uow(write=False) as uow:
            card, account = load_card(uow, actor, card_id, "card.read")
        return account, card

    def freeze(self, actor: Actor, card_id: int, reason=None) -> Card:
        """Owner or staff: purchases with a frozen card are declined. ``reason`` (optional: freezing
        must stay one step for a customer who lost the card) goes into the audit record."""
        return self._set_status(actor, card_id, CardStatus.FROZEN, "card.freeze", reason)

    def unfreeze(self, actor: Actor, card_id: int, reason=None) -> Card:
        return self._set_status(actor, card_id, CardStatus.ACTIVE, "card.unfreeze", reason)

    def _set_status(self, actor: Actor, card_id: int, status: CardStatus, action: str, reason=None) -> Card:
        why = reason_details(reason)
        with self.uow() as uow:
            card, _ = load_card(uow, actor, card_id, action, lock=True)
            if card.is_cancelled:
                _refuse(uow, actor, action, card, CardCancelled("This card is cancelled: it can no longer be used"))
            card.status = status
            uow.cards.save_status(card)
            details = {"account_id": card.account_id, "status": str(status), **why}
            record(uow, actor, action, "success", "card", card.id, **details)
            events.card_changed(uow, "card.frozen" if status == CardStatus.FROZEN else "card.unfrozen", card)
            uow.commit()
        return card

    def purchase(self, actor: Actor, card_id: int, amount_cents: int, merchant: str, pin: str, idem=None):
        """Pay ``merchant`` with the card and the account's PIN (services/ledger.py card_purchase)."""
        return self.ledger.card_purchase(actor, card_id, amount_cents, merchant, pin, idem)

    def rotate_keys(self, actor: Actor, batch: int = ROTATION_BATCH) -> int:
        """Admin: re-encrypt every card under the newest key, in batches; returns the number of cards.
        Afterwards the older keys can be removed from CARD_KEYS."""
        if not actor.is_admin:
            with self.uow() as uow:
                deny(uow, actor, "card.keys_rotate", error=Forbidden)
        rotated, after_id = 0, 0
        while rows := self._rotate_batch(after_id, batch):
            rotated, after_id = rotated + len(rows), rows[-1]
        with self.uow() as uow:
            record(uow, actor, "card.keys_rotate", "success", cards=rotated)
            uow.commit()
        return rotated

    def _rotate_batch(self, after_id: int, batch: int) -> list[int]:
        with self.uow() as uow:
            rows = uow.cards.ciphertexts_after(after_id, batch)
            for card_id, pan_token in rows:
                try:
                    uow.cards.save_ciphertext(card_id, self.cipher.rotate(pan_token))
                except InvalidToken:
                    raise UndecryptableCard(f"card {card_id} is not readable under any key in CARD_KEYS") from None
            uow.commit()
        return [row[0] for row in rows]


def _cancel(uow, card: Card) -> None:
    card.status = CardStatus.CANCELLED
    uow.cards.save_status(card)
    events.card_changed(uow, "card.cancelled", card)


def _refuse(uow, actor: Actor, action: str, resource: Account | Card, error) -> None:
    """Audit a refused card change (on the account or the card) and commit it, then raise. Every
    refusal comes before the change writes anything, so the audit record is all that commits."""
    kind = "card" if isinstance(resource, Card) else "account"
    record(uow, actor, action, "failure", kind, resource.id, reason=error.code)
    uow.commit()
    raise error
