"""Debit cards: issue (PAN and CVV shown once), read masked, freeze, purchase, key rotation."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from entities import valid_id
from entities.accounts import Account
from entities.cards import Card, CardStatus, IssuedCard, expiry_from, new_cvv, new_pan
from entities.clock import now_iso, utcnow
from entities.errors import AccountUnavailable, CardExists, Conflict, Forbidden, NotFound
from entities.users import Actor
from services import events
from services.accounts import load_visible
from services.audit import deny, record

ROTATION_BATCH = 500


class UndecryptableCard(RuntimeError):
    """A stored card is not readable under any configured key (a key was dropped too early)."""


class CardCipher:
    """Fernet under CARD_KEYS via MultiFernet: encrypts with the newest key, decrypts with any."""

    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ValueError("CARD_KEYS holds no key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypt under the newest key (raises InvalidToken if no key reads it)."""
        return self._fernet.rotate(token.encode()).decode()


def load_card(uow, actor: Actor, card_id, action: str) -> tuple[Card, Account]:
    """The card and its account if the actor may use it; otherwise audit and 404."""
    card = uow.cards.get(card_id) if valid_id(card_id) else None
    account = uow.accounts.get(card.account_id) if card else None
    if account is None or (not actor.is_staff and account.owner_id != actor.user_id):
        deny(uow, actor, action, "card", card_id)
    return card, account


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
                _refuse(uow, actor, account, AccountUnavailable("Cards are issued on active accounts only"))
            if uow.cards.current_for_account(account.id) is not None:
                _refuse(uow, actor, account, CardExists())
            pan, cvv = new_pan(), new_cvv()
            month, year = expiry_from(utcnow().date())
            card = Card(None, account.id, pan[-4:], month, year, created_at=now_iso())
            card.pan_encrypted = self.cipher.encrypt(pan)
            uow.cards.add(card)
            record(
                uow, actor, "card.issue", "success", "card", card.id, account_id=account.id, pan_last4=card.pan_last4
            )
            events.card_changed(uow, "card.issued", card)
            uow.commit()
        return IssuedCard(card, pan, cvv)

    def for_account(self, actor: Actor, account_id: int) -> Card:
        """The account's card (masked: the entity carries ciphertext and the last four only)."""
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "card.read")
            card = uow.cards.current_for_account(account.id)
        if card is None:
            raise NotFound("This account has no card")
        return card

    def overview(self, actor: Actor) -> list[tuple[Account, Card | None]]:
        """The caller's own accounts, each with its card if it has one."""
        with self.uow(write=False) as uow:
            accounts = uow.accounts.for_owner(actor.user_id)
            cards = uow.cards.for_accounts([a.id for a in accounts])
        return [(account, cards.get(account.id)) for account in accounts]

    def freeze(self, actor: Actor, card_id: int) -> Card:
        """Owner or staff: purchases with a frozen card are declined."""
        return self._set_status(actor, card_id, CardStatus.FROZEN, "card.freeze")

    def unfreeze(self, actor: Actor, card_id: int) -> Card:
        return self._set_status(actor, card_id, CardStatus.ACTIVE, "card.unfreeze")

    def _set_status(self, actor: Actor, card_id: int, status: CardStatus, action: str) -> Card:
        with self.uow() as uow:
            card, _ = load_card(uow, actor, card_id, action)
            if card.status == CardStatus.CANCELLED:
                raise Conflict("Card is cancelled")
            card.status = status
            uow.cards.save_status(card)
            record(uow, actor, action, "success", "card", card.id, account_id=card.account_id, status=str(status))
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


def _refuse(uow, actor: Actor, account: Account, error) -> None:
    """Audit a refused issue in its own commit, then raise."""
    record(uow, actor, "card.issue", "failure", "account", account.id, reason=error.code)
    uow.commit()
    raise error
