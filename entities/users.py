"""Users, roles, the calling actor, and identity input rules."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from entities.errors import ValidationFailed

MAX_FAILED_LOGINS = 5
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    TELLER = "teller"
    ADMIN = "admin"


STAFF = frozenset({Role.TELLER, Role.ADMIN})


@dataclass
class User:
    id: int | None
    email: str
    full_name: str
    password_hash: str
    role: Role = Role.CUSTOMER
    created_at: str = ""
    failed_logins: int = 0
    locked_until: str | None = None  # ISO time; None with admin_locked=True means no expiry
    admin_locked: bool = False
    timezone: str = "UTC"

    def is_locked(self, now_iso: str) -> bool:
        return self.admin_locked or (self.locked_until is not None and self.locked_until > now_iso)

    def status(self, now_iso: str) -> str:
        return "locked" if self.is_locked(now_iso) else "active"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


@dataclass(frozen=True)
class Actor:
    """Who is calling, and from where: carried into every service call and audit record."""

    user_id: int | None = None
    role: Role | None = None
    session_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def normalize_email(raw) -> str:
    email = unicodedata.normalize("NFKC", str(raw or "")).strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed(errors=[{"field": "email", "message": "must be a valid email address"}])
    return email


def clean_full_name(raw) -> str:
    name = unicodedata.normalize("NFC", str(raw or "")).strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(errors=[{"field": "full_name", "message": "must be 1 to 100 characters"}])
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValidationFailed(errors=[{"field": "full_name", "message": "must not contain control characters"}])
    return name


def check_password(password, email: str, field_name: str = "password") -> str:
    if not isinstance(password, str) or not 12 <= len(password) <= 128:
        raise ValidationFailed(errors=[{"field": field_name, "message": "must be 12 to 128 characters"}])
    if password.strip().lower() == email.lower():
        raise ValidationFailed(errors=[{"field": field_name, "message": "must not equal the email"}])
    return password


def mask_holder(full_name: str) -> str:
    """'Alice Cooper' -> 'Alice C.'; 'Cher' -> 'C.'"""
    words = full_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}."
    return f"{words[0]} {words[-1][0]}."


def lock_expiry(now: datetime, minutes: int) -> datetime:
    from datetime import timedelta

    return now + timedelta(minutes=minutes)
