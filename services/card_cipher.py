"""The Fernet cipher of card PANs (and of second-factor and webhook signing secrets): MultiFernet
under CARD_KEYS, and the batched re-encryption that ``flask rotate-card-keys`` runs over each."""

from __future__ import annotations

from collections.abc import Callable

from cryptography.fernet import Fernet, MultiFernet

from services.audit import record

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


def rotate_stored(
    uow_factory,
    actor,
    *,
    rows: Callable,
    save: Callable,
    rotate: Callable[[str], str],
    action: str,
    resource_type: str,
    batch: int = ROTATION_BATCH,
) -> int:
    """Re-encrypt stored secrets in batches: ``rows(uow, after_id, batch)`` gives (id, stored) pairs in
    id order, each is saved as ``rotate(stored)`` with ``save(uow, id, token)``; every batch is audited
    (``action``) and committed on its own. Returns how many were re-encrypted."""
    count, after = 0, 0
    while True:
        with uow_factory() as uow:
            found = rows(uow, after, batch)
            for item_id, stored in found:
                save(uow, item_id, rotate(stored))
            if found:
                record(uow, actor, action, "success", resource_type, None, count=len(found))
            uow.commit()
        if not found:
            return count
        count += len(found)
        after = found[-1][0]
