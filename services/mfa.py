"""The TOTP second factor (SPEC section 15): enrolment, confirmation, recovery codes, disabling, and
spending a code once, wherever one is asked for (login, step-up, disabling)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from entities import clock, mfa
from entities.clock import now_iso
from entities.errors import Conflict, InvalidCode, InvalidCredentials, MfaEnabled, NotFound
from entities.users import STAFF, Actor, Role
from services import crypto, totp
from services.audit import record
from services.card_cipher import ROTATION_BATCH, CardCipher, rotate_stored


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class FactorStatus:
    enabled: bool
    pending: bool
    recovery_codes_left: int
    enabled_at: str | None = None


class MfaService:
    def __init__(self, uow_factory, settings):
        self.uow = uow_factory
        self.settings = settings
        self._cipher: CardCipher | None = None

    @property
    def cipher(self) -> CardCipher:
        """The secret is encrypted at rest like the PAN: MultiFernet under CARD_KEYS."""
        if self._cipher is None:
            self._cipher = CardCipher(self.settings.card_keys)
        return self._cipher

    def needs_factor(self, role: Role | None, amr) -> bool:
        """Whether a caller of this role, authenticated with these methods, lacks the factor its staff
        powers need (MFA_REQUIRED_FOR_STAFF): app/auth.py builds the request's Actor with this, and
        the Actor then refuses every staff power with 403 mfa_required (entities/users.py)."""
        return bool(self.settings.mfa_required_for_staff) and role in STAFF and "otp" not in (amr or ())

    def status(self, actor: Actor) -> FactorStatus:
        with self.uow(write=False) as uow:
            factor = uow.mfa.factor(actor.user_id)
            left = uow.mfa.recovery_codes_left(actor.user_id) if factor and factor.enabled else 0
        enabled = bool(factor and factor.enabled)
        return FactorStatus(enabled, bool(factor and not factor.enabled), left, factor.enabled_at if enabled else None)

    def begin(self, actor: Actor, password) -> Enrolment:
        """Start enrolment with a new secret (pending until confirmed). The password is asked again:
        a session left open must not be enough to bind someone else's phone to the account."""
        user = self._check_password(actor, password, "mfa.enrol")
        secret = totp.new_secret()
        with self.uow() as uow:
            factor = uow.mfa.factor(user.id, lock=True)
            if factor is not None and factor.enabled:
                raise MfaEnabled()
            uow.mfa.put_pending(user.id, self.cipher.encrypt(secret), now_iso())
            record(uow, actor, "mfa.enrol", "success", "user", user.id)
            uow.commit()
        return Enrolment(secret, totp.provisioning_uri(secret, user.email))

    def confirm(self, actor: Actor, code) -> list[str]:
        """Enable the pending factor with a code from it; returns the ten recovery codes (shown once;
        only their HMACs are stored). The session that enrolled stays a password-only session."""
        codes = mfa.new_recovery_codes()
        hashes = [mfa.hash_recovery(mfa.normalize_recovery(code), self.settings.pin_pepper) for code in codes]
        with self.uow() as uow:
            factor = uow.mfa.factor(actor.user_id, lock=True)
            if factor is None:
                raise Conflict("Nothing to confirm: start enrolment first")
            if factor.enabled:
                raise MfaEnabled()
            step = self._totp_step(factor, code, clock.utcnow())
            if step is None or not uow.mfa.accept_step(actor.user_id, step):
                self._refuse_code(uow, actor, "mfa.confirm")
            uow.mfa.enable(actor.user_id, now_iso())
            uow.mfa.replace_recovery_codes(actor.user_id, hashes)
            record(uow, actor, "mfa.enable", "success", "user", actor.user_id)
            uow.commit()
        return codes

    def disable(self, actor: Actor, password, code) -> None:
        """Remove the factor and its recovery codes: the password and a code (TOTP or recovery)."""
        user = self._check_password(actor, password, "mfa.disable")
        with self.uow() as uow:
            factor = uow.mfa.factor(user.id, lock=True)
            if factor is None or not factor.enabled:
                raise Conflict("No second factor is enabled")
            if self.spend(uow, user.id, code, clock.utcnow(), factor=factor) is None:
                self._refuse_code(uow, actor, "mfa.disable")
            uow.mfa.delete(user.id)
            record(uow, actor, "mfa.disable", "success", "user", user.id)
            uow.commit()

    def spend(self, uow, user_id: int, code, moment: datetime, *, factor=None, recovery: bool = True) -> str | None:
        """Inside the caller's write transaction: accept ``code`` once, as a TOTP code of the user's
        enabled factor ("otp") or, when ``recovery``, as one of its unused recovery codes
        ("recovery"); None if it is neither (or was spent already, by this or a concurrent request)."""
        factor = factor or uow.mfa.factor(user_id, lock=True)
        if factor is None or not factor.enabled:
            return None
        step = self._totp_step(factor, code, moment)
        if step is not None:
            return "otp" if uow.mfa.accept_step(user_id, step) else None
        if not recovery:
            return None
        normalized = mfa.normalize_recovery(code)
        if normalized is None:
            return None
        code_hash = mfa.hash_recovery(normalized, self.settings.pin_pepper)
        return "recovery" if uow.mfa.use_recovery_code(user_id, code_hash, now_iso()) else None

    def has_factor(self, uow, user_id: int | None) -> bool:
        return user_id is not None and uow.mfa.is_enabled(user_id)

    def rotate_keys(self, actor: Actor, batch: int = ROTATION_BATCH) -> int:
        """Re-encrypt every factor's secret under the newest key in CARD_KEYS (``flask rotate-card-keys``)."""
        return rotate_stored(
            self.uow,
            actor,
            rows=lambda uow, after, size: uow.mfa.secrets_after(after, size),
            save=lambda uow, user_id, token: uow.mfa.save_secret(user_id, token),
            rotate=self.cipher.rotate,
            action="mfa.rotate_keys",
            resource_type="user",
            batch=batch,
        )

    def _totp_step(self, factor, code, moment: datetime) -> int | None:
        return totp.matching_step(self.cipher.decrypt(factor.secret_enc), code, moment, factor.last_step)

    def _check_password(self, actor: Actor, password, action: str):
        with self.uow(write=False) as uow:
            user = uow.users.get(actor.user_id)
        if user is None:
            raise NotFound()
        if not (isinstance(password, str) and crypto.verify_password(password, user.password_hash)):
            with self.uow() as uow:
                record(uow, actor, action, "failure", "user", user.id, reason="wrong_password")
                uow.commit()
            raise InvalidCredentials("The password is wrong")
        return user

    @staticmethod
    def _refuse_code(uow, actor: Actor, action: str):
        """Audit a wrong or spent code (the audit record commits; nothing else was written) and raise."""
        record(uow, actor, action, "failure", "user", actor.user_id, reason="invalid_code")
        uow.commit()
        raise InvalidCode()
