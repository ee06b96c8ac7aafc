"""TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) through pyotp, a well-kept implementation
of the RFC used by many authenticator integrations; our own code adds only the once-only rule."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from entities.mfa import DIGITS, DRIFT_STEPS, ISSUER, STEP_SECONDS, clean_code, step_of


def new_secret() -> str:
    """160 random bits as 32 base32 characters (RFC 4226's recommended key length)."""
    return pyotp.random_base32(length=32)


def totp(secret: str, digits: int = DIGITS) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=digits, interval=STEP_SECONDS)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return totp(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    return totp(secret, digits).at(step * STEP_SECONDS)


def matching_step(secret: str, code, moment: datetime, after_step: int) -> int | None:
    """The step (within the drift window around ``moment``) whose code is ``code``, later than
    ``after_step`` (the newest already accepted: a code is accepted once), or None. Every candidate
    is compared in constant time."""
    code = clean_code(code)
    if code is None:
        return None
    now_step = step_of(moment)
    found = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code) and step > after_step:
            found = step
    return found
