"""Password and PIN hashing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import bcrypt


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes and raises beyond: pre-hash so every character counts
    # and any length (up to 128 characters of any Unicode) is accepted.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, cost: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=cost)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode())
    except ValueError:
        return False


# How many times a password is checked again because it changed while bcrypt ran (each change takes
# a bcrypt of its own, so a second round is already rare), before the attempt is given up.
HASH_RECHECKS = 3


class HashChanged(Exception):
    """Raised by a ``settle`` step of ``settle_checked``: the stored hash is no longer the one checked."""

    def __init__(self, password_hash: str):
        super().__init__("the password changed while it was being checked")
        self.password_hash = password_hash


def settle_checked(password, password_hash: str, settle):
    """Check ``password`` against ``password_hash`` with bcrypt, outside every transaction (bcrypt
    must never hold the database), then return ``settle(password_ok, password_hash)``. ``settle``
    runs the transaction with the user's row locked and raises HashChanged(stored hash) if the hash
    stored there is no longer the one checked (the password changed while bcrypt ran): the password
    is then checked again against the new hash. So an attempt is always judged by the password in
    force when it is settled, never by one replaced meanwhile. HashChanged propagates after
    HASH_RECHECKS rounds that all saw the password change."""
    for _ in range(HASH_RECHECKS):
        password_ok = isinstance(password, str) and verify_password(password, password_hash)
        try:
            return settle(password_ok, password_hash)
        except HashChanged as changed:
            password_hash = changed.password_hash
    raise HashChanged(password_hash)


def new_pin_salt() -> str:
    return secrets.token_hex(16)


def hash_pin(pin: str, salt: str, pepper: str) -> str:
    """HMAC-SHA256 keyed by the server-side pepper (never stored in the database)."""
    return hmac.new(pepper.encode(), f"{salt}:{pin}".encode(), hashlib.sha256).hexdigest()


def verify_pin(pin: str, salt: str, pepper: str, expected: str) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt, pepper), expected)
