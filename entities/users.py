"""Users, roles, the calling actor, and identity input rules."""

from __future__ import annotations

import enum
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from entities.errors import MfaRequired, ValidationFailed
from entities.text import clean_text, hidden_character

MAX_FAILED_LOGINS = 5
MAX_FULL_NAME = 100
EMAIL_HIDDEN_MESSAGE = "must not contain spaces, control or invisible characters"
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
    mfa_enabled: bool = False  # a confirmed TOTP factor (SPEC section 15)

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
    amr: tuple[str, ...] = ()  # how the session was authenticated: ("pwd",) or ("pwd", "otp")
    # A teller or admin whose session lacks the second factor MFA_REQUIRED_FOR_STAFF asks for
    # (services/mfa.py ``needs_factor`` decides, app/auth.py sets it on every request's actor).
    factor_missing: bool = False

    @property
    def is_staff(self) -> bool:
        """Whether the actor holds staff powers. Every service consults this before using one, so an
        actor whose factor is missing is refused there (403 mfa_required), whatever route it came by."""
        if self.role in STAFF and self.factor_missing:
            raise MfaRequired("Staff must sign in with a second factor: enrol on the security page, then sign in again")
        return self.role in STAFF

    @property
    def is_admin(self) -> bool:
        return self.is_staff and self.role == Role.ADMIN


def normalize_email(raw) -> str:
    """The standard-library half of the email rule, enough for keys and look-ups (rate limits,
    staff search): no whitespace or hidden character anywhere (not even at the ends), NFKC (so
    full-width and other compatibility forms fold, as they always have here), lower case (emails
    are unique case-insensitively), a plausible shape, punycode domains read as Unicode as the
    email library does. services/emails.py adds the full syntax check for what is stored."""
    email = fold_email(raw)
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed(errors=[{"field": "email", "message": "must be a valid email address"}])
    local, domain = email.rsplit("@", 1)
    return f"{local}@{_unicode_domain(domain)}"


def fold_email(raw) -> str:
    """``raw`` refused if it holds whitespace or a hidden character, else NFKC and lower case."""
    email = raw if isinstance(raw, str) else ""
    if any(ch.isspace() for ch in email) or hidden_character(email) is not None:
        raise ValidationFailed(errors=[{"field": "email", "message": EMAIL_HIDDEN_MESSAGE}])
    return unicodedata.normalize("NFKC", email).lower()


def _unicode_domain(domain: str) -> str:
    try:
        return ".".join(
            label.encode("ascii").decode("idna") if label.startswith("xn--") else label for label in domain.split(".")
        )
    except UnicodeError:  # not valid punycode: the full check refuses it
        return domain


def clean_full_name(raw) -> str:
    return clean_text(raw, "full_name", MAX_FULL_NAME)


def check_timezone(timezone) -> str:
    if not isinstance(timezone, str) or timezone not in zoneinfo.available_timezones():
        raise ValidationFailed(errors=[{"field": "timezone", "message": "unknown time zone"}])
    return timezone


def check_password(password, email: str | None, field_name: str = "password") -> str:
    """12 to 128 characters, not the email (compared only when the email itself is valid)."""
    if not isinstance(password, str) or not 12 <= len(password) <= 128:
        raise ValidationFailed(errors=[{"field": field_name, "message": "must be 12 to 128 characters"}])
    if email is not None and password.strip().lower() == email.lower():
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
