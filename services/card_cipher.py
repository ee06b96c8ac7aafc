"""The Fernet cipher of card PANs (and of second-factor secrets): MultiFernet under CARD_KEYS."""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet


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
