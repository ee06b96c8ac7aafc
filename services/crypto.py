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


def new_pin_salt() -> str:
    return secrets.token_hex(16)


def hash_pin(pin: str, salt: str, pepper: str) -> str:
    """HMAC-SHA256 keyed by the server-side pepper (never stored in the database)."""
    return hmac.new(pepper.encode(), f"{salt}:{pin}".encode(), hashlib.sha256).hexdigest()


def verify_pin(pin: str, salt: str, pepper: str, expected: str) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt, pepper), expected)
