"""The second factor's rules: TOTP parameters (services/totp.py computes codes with pyotp), recovery
codes, and what a session verified."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1  # one 30-second step either way (SPEC section 15)
ISSUER = "Corebank"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed from paper
RECOVERY_LENGTH = 12  # 31^12 ≈ 2^59: SPEC asks for at least 50 bits
CHALLENGE_SECONDS = 5 * 60  # an mfa_token lives 5 minutes

PWD = ("pwd",)
PWD_OTP = ("pwd", "otp")

_CODE = re.compile(r"^\d{6}$")


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def clean_code(code) -> str | None:
    """Six digits (spaces the user typed between groups of three removed), else None."""
    if not isinstance(code, str):
        return None
    code = code.replace(" ", "").strip()
    return code if _CODE.match(code) else None


def new_recovery_codes() -> list[str]:
    """Ten single-use codes shown once, as ``xxxx-xxxx-xxxx``."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append(f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}")
    return codes


def normalize_recovery(code) -> str | None:
    """A recovery code as typed (any case, with or without dashes or spaces), normalised; else None."""
    if not isinstance(code, str):
        return None
    raw = code.strip().lower().replace("-", "").replace(" ", "")
    if len(raw) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in raw):
        return None
    return raw


def hash_recovery(code: str, pepper: str) -> str:
    """HMAC-SHA256 under the server-side pepper: ~59 random bits need no slow hash once keyed."""
    return hmac.new(pepper.encode(), f"recovery:{code}".encode(), hashlib.sha256).hexdigest()


def amr_of(stored: str | None) -> tuple[str, ...]:
    """A session's stored methods ("pwd", "pwd otp") as the token claim's list."""
    return PWD_OTP if stored and "otp" in stored.split() else PWD
