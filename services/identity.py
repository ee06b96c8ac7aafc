"""Registration, login with lockout, profile and password."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial

from entities import clock, mfa
from entities.clock import iso, now_iso, utcnow
from entities.errors import (
    EmailTaken,
    FieldErrors,
    InvalidCode,
    InvalidCredentials,
    NotFound,
    TokenInvalid,
    UserLocked,
    ValidationFailed,
)
from entities.users import (
    MAX_FAILED_LOGINS,
    Actor,
    Role,
    User,
    check_password,
    check_timezone,
    clean_full_name,
)
from services import crypto
from services.audit import record
from services.emails import check_email

# Attempts on a locked user are summarised (SPEC section 2): at most one "login denied user_locked"
# audit record per user per window, carrying the count of the attempts since the previous one.
LOCKED_AUDIT_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class MfaChallenge:
    """A right password of a user with a second factor: the login goes on at ``POST /auth/mfa`` with
    this single-use token (only its SHA-256 is stored) and a code, within ``expires_in`` seconds."""

    user: User
    mfa_token: str
    expires_in: int = mfa.CHALLENGE_SECONDS


def challenge_id_of(mfa_token: str) -> str:
    return hashlib.sha256(mfa_token.encode()).hexdigest()


class IdentityService:
    def __init__(self, uow_factory, settings, mfa_service):
        self.uow = uow_factory
        self.settings = settings
        self.mfa = mfa_service
        # Unknown emails are checked against this so they cost what a wrong password costs.
        self._dummy_hash = crypto.hash_password("corebank-dummy-password", settings.bcrypt_cost)

    def register(self, actor: Actor, email: str, password: str, full_name: str, role: Role = Role.CUSTOMER) -> User:
        """Create a user (a customer unless the CLI asks for staff). Every bad field is reported at once."""
        problems = FieldErrors()
        email = problems.check(check_email, email)
        full_name = problems.check(clean_full_name, full_name)
        problems.check(check_password, password, email)
        problems.raise_any()
        password_hash = crypto.hash_password(password, self.settings.bcrypt_cost)
        with self.uow() as uow:
            # ON CONFLICT DO NOTHING: taken before, or by a concurrent registration, it is None either way
            user = uow.users.add(User(None, email, full_name, password_hash, role, created_at=now_iso()))
            if user is None:
                record(uow, actor, "register", "failure", "user", None, reason="email_taken")
                uow.commit()
                raise EmailTaken(errors=[{"field": "email", "message": "is already registered"}])
            record(uow, actor, "register", "success", "user", user.id, role=str(role))
            uow.commit()
        return user

    def authenticate(self, actor: Actor, email: str, password: str) -> User | MfaChallenge:
        """Check credentials. Five consecutive failures lock the user for LOCKOUT_MINUTES. A user with
        a second factor gets an ``MfaChallenge`` instead of the user: the login is not done yet.

        A login is judged by the password in force when it is settled (under the user's row lock),
        as if it had arrived after any change made while bcrypt ran: the old password then fails,
        and counts as the wrong password it now is, so no session comes after a change that revoked
        every other; the new password succeeds and counts nothing. Should the password change in
        every one of HASH_RECHECKS rounds, the login fails without counting (audited password_changed)."""
        try:
            email = check_email(email)
        except ValidationFailed:
            email = None
        with self.uow(write=False) as uow:
            user = uow.users.by_email(email) if email else None
        if user is None:
            crypto.verify_password(str(password), self._dummy_hash)
            self._audit(actor, "login", "failure", None, reason="unknown_email")
            raise InvalidCredentials()
        if user.is_locked(now_iso()):
            with self.uow() as uow:
                _deny_locked(uow, actor, user)
        try:
            return crypto.settle_checked(password, user.password_hash, partial(self._settle_login, actor, user.id))
        except crypto.HashChanged:
            self._audit(actor, "login", "failure", user.id, reason="password_changed")
            raise InvalidCredentials() from None

    def is_locked(self, email: str) -> bool:
        """Whether the user with this (normalised) email is locked now; False for unknown emails."""
        with self.uow(write=False) as uow:
            user = uow.users.by_email(email)
        return user is not None and user.is_locked(now_iso())

    def challenge_locked(self, mfa_token) -> bool:
        """Whether the user of this (live) mfa_token is locked now; False for unknown tokens."""
        if not isinstance(mfa_token, str) or not mfa_token:
            return False
        with self.uow(write=False) as uow:
            challenge = uow.mfa.challenge(challenge_id_of(mfa_token))
            user = uow.users.get(challenge.user_id) if challenge else None
        return user is not None and user.is_locked(now_iso())

    def _settle_login(self, actor: Actor, user_id: int, password_ok: bool, checked_hash: str) -> User:
        with self.uow() as uow:
            user = uow.users.lock(user_id)  # concurrent wrong passwords all count (PostgreSQL: FOR UPDATE)
            now = utcnow()
            if user.is_locked(iso(now)):
                _deny_locked(uow, actor, user)
            if user.password_hash != checked_hash:  # changed while bcrypt ran: checked again, nothing written
                raise crypto.HashChanged(user.password_hash)
            if user.locked_until is not None:  # an expired lock: start afresh
                user.locked_until, user.failed_logins = None, 0
            if password_ok and self.mfa.has_factor(uow, user.id):
                # SPEC 15: a right password with a factor neither resets nor adds to the failure count.
                mfa_token = secrets.token_urlsafe(32)
                expires = iso(now + timedelta(seconds=mfa.CHALLENGE_SECONDS))
                uow.mfa.purge_challenges(iso(now))
                uow.mfa.add_challenge(challenge_id_of(mfa_token), user.id, iso(now), expires)
                uow.users.save_login_state(user)
                record(uow, actor, "login", "challenge", "user", user.id, method="otp")
                uow.commit()
                return MfaChallenge(user, mfa_token)
            if password_ok:
                user.failed_logins = 0
                uow.users.save_login_state(user)
                record(uow, actor, "login", "success", "user", user.id)
                uow.commit()
                return user
            self._count_failure(uow, actor, user, now, "wrong_password")
        raise InvalidCredentials()

    def complete_mfa(self, actor: Actor, mfa_token, code) -> User:
        """The login's second step: a TOTP or recovery code for the challenge's user. The token is
        spent by the success only; a wrong code counts toward the same lockout as a wrong password."""
        if not isinstance(mfa_token, str) or not mfa_token:
            raise TokenInvalid("The sign-in step is unknown or expired: log in again")
        challenge_id = challenge_id_of(mfa_token)
        with self.uow() as uow:
            now = clock.utcnow()
            challenge = uow.mfa.challenge(challenge_id)
            if challenge is None or challenge.used_at is not None or challenge.expires_at <= iso(now):
                raise TokenInvalid("The sign-in step is unknown, used or expired: log in again")
            user = uow.users.lock(challenge.user_id)
            if user.is_locked(iso(now)):
                _deny_locked(uow, actor, user)
            if user.locked_until is not None:
                user.locked_until, user.failed_logins = None, 0
            method = self.mfa.spend(uow, user.id, code, now)
            if method is None:
                self._count_failure(uow, actor, user, now, "invalid_code")
                raise InvalidCode()
            if not uow.mfa.use_challenge(challenge_id, iso(now)):  # a concurrent request spent it first
                raise TokenInvalid("The sign-in step is unknown, used or expired: log in again")
            user.failed_logins = 0
            uow.users.save_login_state(user)
            record(uow, actor, "login", "success", "user", user.id, method=method)
            uow.commit()
        return user

    def _count_failure(self, uow, actor: Actor, user: User, now, reason: str) -> None:
        """One more failed login (a wrong password or code), the lock at the fifth; committed."""
        user.failed_logins += 1
        record(uow, actor, "login", "failure", "user", user.id, reason=reason)
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = iso(now + timedelta(minutes=self.settings.lockout_minutes))
            record(uow, actor, "user.lockout", "success", "user", user.id, until=user.locked_until)
        uow.users.save_login_state(user)
        uow.commit()

    def _audit(self, actor, action, outcome, user_id, **details):
        with self.uow() as uow:
            record(uow, actor, action, outcome, "user", user_id, **details)
            uow.commit()

    def get(self, actor: Actor) -> User:
        """The caller's own user, with whether a second factor is enabled (GET /me)."""
        with self.uow(write=False) as uow:
            user = uow.users.get(actor.user_id)
            if user is not None:
                user.mfa_enabled = uow.mfa.is_enabled(user.id)
        if user is None:
            raise NotFound()
        return user

    def update_profile(self, actor: Actor, full_name: str | None = None, timezone: str | None = None) -> User:
        problems = FieldErrors()
        if full_name is not None:
            full_name = problems.check(clean_full_name, full_name)
        if timezone is not None:
            timezone = problems.check(check_timezone, timezone)
        problems.raise_any()
        with self.uow() as uow:
            user = uow.users.lock(actor.user_id)  # a role or password change waits, or is waited for
            user.full_name = full_name or user.full_name
            user.timezone = timezone or user.timezone
            uow.users.save_profile(user)
            record(uow, actor, "profile.update", "success", "user", user.id)
            uow.commit()
        return user

    def change_password(self, actor: Actor, current_password: str, new_password: str) -> None:
        """Change the password and revoke every other session and refresh token of the user (and
        end its sign-in steps waiting for a code: they began with the old password). The
        current password is judged against the password in force when the change is made: one that
        another session replaced meanwhile is wrong, and changes nothing."""
        user = self.get(actor)
        check_password(new_password, user.email, "new_password")
        new_hash = cache(lambda: crypto.hash_password(new_password, self.settings.bcrypt_cost))  # once, if right

        def settle(password_ok: bool, checked_hash: str) -> None:
            if not password_ok:
                self._wrong_current_password(actor, user.id, "wrong_password")
            self._save_password(actor, checked_hash, new_hash())

        try:
            crypto.settle_checked(current_password, user.password_hash, settle)
        except crypto.HashChanged:
            self._wrong_current_password(actor, user.id, "password_changed")

    def _wrong_current_password(self, actor: Actor, user_id: int, reason: str):
        self._audit(actor, "password.change", "failure", user_id, reason=reason)
        raise ValidationFailed(
            "Current password is wrong", errors=[{"field": "current_password", "message": "is incorrect"}]
        )

    def _save_password(self, actor: Actor, checked_hash: str, new_hash: str) -> None:
        with self.uow() as uow:
            user = uow.users.lock(actor.user_id)
            if user.password_hash != checked_hash:  # changed while bcrypt ran: checked again, nothing written
                raise crypto.HashChanged(user.password_hash)
            user.password_hash = new_hash
            uow.users.save_password(user)
            revoked = uow.sessions.revoke_all_for_user(user.id, now_iso(), except_id=actor.session_id)
            uow.mfa.drop_challenges(user.id)  # a login begun with the old password, waiting for its code
            record(uow, actor, "password.change", "success", "user", user.id, sessions_revoked=revoked)
            uow.commit()


def _deny_locked(uow, actor: Actor, user):
    """Answer an attempt on a locked user: count it, audit it when it opens a new window (with the
    number counted since the previous record), commit, and raise 423. The count lives in the database,
    so the bound holds across processes (SQLite's write lock and the upsert's row lock serialise it)."""
    now = utcnow()
    unrecorded = uow.users.count_locked_attempt(user.id, iso(now - LOCKED_AUDIT_WINDOW), iso(now))
    if unrecorded is not None:
        record(uow, actor, "login", "denied", "user", user.id, reason="user_locked", unrecorded_attempts=unrecorded)
    uow.commit()
    # When the lock ends (null: an admin's lock, until someone unlocks it): what to do next (SPEC 10).
    raise UserLocked(locked_until=None if user.admin_locked else user.locked_until)
