"""Domain errors. Each carries a stable snake_case ``code``; app/errors.py maps
codes to HTTP statuses and representations."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    title = "Request failed"

    def __init__(self, detail: str | None = None, *, errors=None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors or [])
        self.extra = extra


def _error(name: str, code: str, title: str) -> type[DomainError]:
    return type(name, (DomainError,), {"code": code, "title": title})


ValidationFailed = _error("ValidationFailed", "validation_error", "Validation failed")
InvalidCredentials = _error("InvalidCredentials", "invalid_credentials", "Invalid email or password")
Unauthorized = _error("Unauthorized", "unauthorized", "Authentication required")
TokenInvalid = _error("TokenInvalid", "invalid_token", "Invalid token")
TokenExpired = _error("TokenExpired", "token_expired", "Token expired")
TokenRevoked = _error("TokenRevoked", "token_revoked", "Token revoked")
UserLocked = _error("UserLocked", "user_locked", "User is locked")
AccountLocked = _error("AccountLocked", "account_locked", "Account is locked")
InvalidPin = _error("InvalidPin", "invalid_pin", "Invalid PIN")
Forbidden = _error("Forbidden", "forbidden", "Forbidden")
# Separation of duties (SPEC section 1): staff never use a staff power on their own money.
OwnAccount = _error("OwnAccount", "own_account", "Staff cannot use staff powers on their own accounts or user")
UnlockLimit = _error(
    "UnlockLimit", "unlock_limit", "This account's PIN lock was lifted too often today; an admin must unlock it"
)
NotFound = _error("NotFound", "not_found", "Not found")
EmailTaken = _error("EmailTaken", "email_taken", "Email already registered")
InsufficientFunds = _error("InsufficientFunds", "insufficient_funds", "Insufficient funds")
AccountUnavailable = _error("AccountUnavailable", "account_unavailable", "Account unavailable")
CardFrozen = _error("CardFrozen", "card_frozen", "Card is frozen")
# A cancelled card is final: no payment, no freeze or unfreeze, no second cancel or replace.
CardCancelled = _error("CardCancelled", "card_cancelled", "Card is cancelled")
CardExists = _error("CardExists", "card_exists", "Account already has an active card")
SameAccount = _error("SameAccount", "same_account", "Cannot transfer to the same account")
CurrencyMismatch = _error("CurrencyMismatch", "currency_mismatch", "Currencies differ")
BalanceNotZero = _error("BalanceNotZero", "balance_not_zero", "Balance is not zero")
AlreadyReversed = _error("AlreadyReversed", "already_reversed", "Entry already reversed")
NotReversible = _error("NotReversible", "not_reversible", "Entry cannot be reversed")
# Holds and limits (SPEC sections 13 and 14).
HoldNotPending = _error("HoldNotPending", "hold_not_pending", "Hold is not pending")
NotCapturable = _error("NotCapturable", "not_capturable", "A staff hold cannot be captured")
LimitExceeded = _error("LimitExceeded", "limit_exceeded", "Daily limit exceeded")
# Strong authentication and dual control (SPEC section 15).
MfaRequired = _error("MfaRequired", "mfa_required", "A second factor is required")
MfaEnabled = _error("MfaEnabled", "mfa_enabled", "A second factor is already enabled")
InvalidCode = _error("InvalidCode", "invalid_code", "Invalid or spent code")
SamePerson = _error("SamePerson", "same_person", "A request needs another staff member's approval")
ApprovalNotPending = _error("ApprovalNotPending", "approval_not_pending", "Approval is not pending")
IdempotencyKeyReused = _error(
    "IdempotencyKeyReused", "idempotency_key_reused", "Idempotency key reused with another request"
)
RequestInProgress = _error("RequestInProgress", "request_in_progress", "Request in progress")
Conflict = _error("Conflict", "conflict", "Conflict")
UnsupportedMediaType = _error(
    "UnsupportedMediaType", "unsupported_media_type", "Request bodies must be application/json"
)


class FieldErrors:
    """Collects the errors of several field checks, so that one validation error lists every
    offending field at once (SPEC section 9) instead of only the first."""

    def __init__(self):
        self.errors: list[dict] = []

    def check(self, rule, *args, **kwargs):
        """``rule(*args)``'s result, or None after recording its field errors."""
        try:
            return rule(*args, **kwargs)
        except ValidationFailed as error:
            self.errors.extend(error.errors)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationFailed(errors=self.errors)
