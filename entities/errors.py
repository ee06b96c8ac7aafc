"""Domain errors. Each carries a stable snake_case ``code``; app/errors.py maps
codes to HTTP statuses and representations.

``title`` is the short fixed phrase of the code; ``detail`` says what happened to this request (and,
where it helps, what to do next). An error raised without a detail gets its class's ``default_detail``,
never the title again."""

from __future__ import annotations

import re


class DomainError(Exception):
    code = "domain_error"
    title = "Request failed"
    default_detail = "The request could not be completed"

    def __init__(self, detail: str | None = None, *, errors=None, **extra):
        self.errors = list(errors or [])
        self.extra = extra
        self.detail = detail or self.describe()
        super().__init__(self.detail)

    def describe(self) -> str:
        """The detail of an error raised without one."""
        return self.default_detail


def _error(name: str, code: str, title: str, detail: str) -> type[DomainError]:
    return type(name, (DomainError,), {"code": code, "title": title, "default_detail": detail})


MAX_NAMED_FIELDS = 3  # a detail names the first few offending fields; ``errors`` lists them all


class ValidationFailed(DomainError):
    """The request's input breaks a rule. Without a detail of its own, the detail names the
    offending fields and what is wrong with each ("amount_cents: must be at least 1")."""

    code = "validation_error"
    title = "Validation failed"
    default_detail = "The request is not valid"

    def describe(self) -> str:
        named = [f"{e['field']}: {e['message']}" for e in self.errors if isinstance(e, dict) and "field" in e]
        if not named:
            return self.default_detail
        more = len(named) - MAX_NAMED_FIELDS
        return "; ".join(named[:MAX_NAMED_FIELDS]) + (f" (and {more} more in errors)" if more > 0 else "")


InvalidCredentials = _error(
    "InvalidCredentials",
    "invalid_credentials",
    "Invalid email or password",
    "The email and password do not match; check both and try again",
)
Unauthorized = _error(
    "Unauthorized",
    "unauthorized",
    "Authentication required",
    "Send an access token from POST /api/v1/auth/login as Authorization: Bearer <token>",
)
TokenInvalid = _error(
    "TokenInvalid",
    "invalid_token",
    "Invalid token",
    "The token is malformed, wrongly signed, of the wrong type or no longer known; log in again",
)
TokenExpired = _error(
    "TokenExpired",
    "token_expired",
    "Token expired",
    "The token's lifetime is over; get a new pair with POST /api/v1/auth/refresh or log in again",
)
TokenRevoked = _error(
    "TokenRevoked",
    "token_revoked",
    "Token revoked",
    "The token was revoked (a logout, a password change, a lock or a role change); log in again",
)
UserLocked = _error(
    "UserLocked",
    "user_locked",
    "User is locked",
    "This user is locked; a teller or an admin can unlock it",
)
AccountLocked = _error(
    "AccountLocked",
    "account_locked",
    "Account is locked",
    "Wrong PINs locked this account; a teller or an admin can unlock it",
)
InvalidPin = _error("InvalidPin", "invalid_pin", "Invalid PIN", "The PIN is wrong")
Forbidden = _error("Forbidden", "forbidden", "Forbidden", "Your role does not allow this request")
# Separation of duties (SPEC section 1): staff never use a staff power on their own money.
OwnAccount = _error(
    "OwnAccount",
    "own_account",
    "Own account or user",
    "Staff cannot use staff powers on their own accounts or user; another staff member must do it",
)
UnlockLimit = _error(
    "UnlockLimit",
    "unlock_limit",
    "PIN unlock limit reached",
    "This account's PIN lock was lifted too often today; an admin must unlock it",
)
NotFound = _error("NotFound", "not_found", "Not found", "Nothing by that name or id is visible to you")
EmailTaken = _error(
    "EmailTaken",
    "email_taken",
    "Email already registered",
    "Email already registered: log in with it, or register another",
)
InsufficientFunds = _error(
    "InsufficientFunds",
    "insufficient_funds",
    "Insufficient funds",
    "The account's available balance does not cover this amount; the attempt is recorded as declined",
)
AccountUnavailable = _error(
    "AccountUnavailable",
    "account_unavailable",
    "Account unavailable",
    "The account is frozen or closed, so no money moves in or out of it",
)
CardFrozen = _error("CardFrozen", "card_frozen", "Card is frozen", "Card is frozen: unfreeze it before paying with it")
# A cancelled card is final: no payment, no freeze or unfreeze, no second cancel or replace.
CardCancelled = _error(
    "CardCancelled",
    "card_cancelled",
    "Card is cancelled",
    "Card is cancelled: it can no longer pay or be changed; the account may have a new card issued",
)
CardExists = _error(
    "CardExists",
    "card_exists",
    "Account already has an active card",
    "This account already has an active card: an account holds one card at a time",
)
SameAccount = _error(
    "SameAccount",
    "same_account",
    "Cannot transfer to the same account",
    "The sending and the receiving account are the same; choose another recipient",
)
CurrencyMismatch = _error(
    "CurrencyMismatch",
    "currency_mismatch",
    "Currencies differ",
    "Money moves only between accounts of the same currency",
)
BalanceNotZero = _error(
    "BalanceNotZero",
    "balance_not_zero",
    "Balance is not zero",
    "Only an account at zero balance can be closed; move or withdraw the money first",
)
AlreadyReversed = _error(
    "AlreadyReversed", "already_reversed", "Entry already reversed", "This entry has a reversal already"
)
NotReversible = _error(
    "NotReversible",
    "not_reversible",
    "Entry cannot be reversed",
    "Only a posted entry that is not itself a reversal can be reversed",
)
# Holds and limits (SPEC sections 13 and 14).
HoldNotPending = _error(
    "HoldNotPending",
    "hold_not_pending",
    "Hold is not pending",
    "Hold is not pending: it was captured, voided or has expired",
)
NotCapturable = _error(
    "NotCapturable", "not_capturable", "A staff hold cannot be captured", "A staff hold cannot be captured, only voided"
)
LimitExceeded = _error(
    "LimitExceeded",
    "limit_exceeded",
    "Daily limit exceeded",
    "Daily limit exceeded: this amount would go over what is left of today's limit",
)
# Strong authentication and dual control (SPEC section 15).
MfaRequired = _error(
    "MfaRequired",
    "mfa_required",
    "A second factor is required",
    "This needs a code from your authenticator app",
)
MfaEnabled = _error(
    "MfaEnabled",
    "mfa_enabled",
    "A second factor is already enabled",
    "Disable the second factor before enrolling another",
)
InvalidCode = _error(
    "InvalidCode",
    "invalid_code",
    "Invalid or spent code",
    "The code is wrong, expired or used already; enter the newest code",
)
SamePerson = _error(
    "SamePerson",
    "same_person",
    "A request needs another staff member's approval",
    "A request needs another staff member's approval: whoever asked cannot approve it too",
)
ApprovalNotPending = _error(
    "ApprovalNotPending",
    "approval_not_pending",
    "Approval is not pending",
    "Approval is not pending: it was approved or rejected already",
)
IdempotencyKeyReused = _error(
    "IdempotencyKeyReused",
    "idempotency_key_reused",
    "Idempotency key reused with another request",
    "Idempotency key reused with another request: use a new key for a new operation",
)
RequestInProgress = _error(
    "RequestInProgress",
    "request_in_progress",
    "Request in progress",
    "Request in progress: one with this Idempotency-Key is still running; retry shortly with the same key",
)
Conflict = _error("Conflict", "conflict", "Conflict", "The request conflicts with the resource's current state")
UnsupportedMediaType = _error(
    "UnsupportedMediaType",
    "unsupported_media_type",
    "Request bodies must be application/json",
    "Send the request body as application/json",
)

# A 404 says the same for what does not exist and what is not the caller's (SPEC section 1).
RESOURCE_WORDS = {"journal_entry": "transaction", "approval": "approval request", "user": "user"}


def not_visible(resource_type: str | None, resource_id=None) -> NotFound:
    """The 404 for a resource the caller asked for: worded alike whether it is absent or someone else's."""
    if resource_type is None:
        return NotFound()
    words = RESOURCE_WORDS.get(resource_type, resource_type.replace("_", " "))
    if resource_id is None:
        return NotFound(f"No such {words} is visible to you")
    return NotFound(f"No {words} {str(resource_id)[:40]} is visible to you")


# A staff-only action refused by role alone names the role and the action's code for API clients;
# the pages show their own words instead (app/web/messages.py), never the code.
_ROLE_REFUSAL = re.compile(r"(?:\w+s|Anonymous callers) may not do this \([\w.]+\)")


def not_permitted(role, action: str) -> Forbidden:
    """The 403 of a denial by role: who may not, and the refused action (``user.list``)."""
    who = f"{str(role).capitalize()}s" if role else "Anonymous callers"
    return Forbidden(f"{who} may not do this ({action})")


def names_a_rule(detail: str | None) -> bool:
    """Whether a 403's detail says which rule refused ("Only an admin unlocks a teller or an admin")
    rather than only the caller's role and the action's code."""
    return bool(detail) and not _ROLE_REFUSAL.fullmatch(detail)


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
