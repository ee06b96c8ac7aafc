"""What the OpenAPI document tells people beyond the models: the problem codes each operation can
answer, request examples, the headers, and the overview text. app/api/openapi.py assembles it."""

from __future__ import annotations

from app.api.schemas import ACCOUNT_NUMBER_PATTERN, CURRENCY_PATTERN, PIN_PATTERN
from app.errors import PROBLEM_TYPE, STATUS_BY_CODE, TITLES
from entities import errors as domain_errors

# The codes any operation may answer for a status it declares, before its own codes below.
CODES_BY_STATUS = {
    401: ("unauthorized", "invalid_token", "token_expired", "token_revoked"),
    403: ("forbidden", "mfa_required"),
    404: ("not_found",),
    415: ("unsupported_media_type",),
    422: ("validation_error",),
    429: ("rate_limited",),
    503: ("service_unavailable",),
}
_IDEMPOTENT = ("request_in_progress", "idempotency_key_reused")
_PIN = ("invalid_pin", "account_locked")
_STEP_UP = ("mfa_required", "invalid_code")  # SPEC 15: large amounts need a code of the user's factor
# Each operation's own codes (by operationId), beside those of CODES_BY_STATUS.
CODES_BY_OPERATION: dict[str, tuple[str, ...]] = {
    "register": ("email_taken",),
    "login": ("invalid_credentials", "user_locked"),
    "refresh": ("user_locked",),
    "login_mfa": ("invalid_code", "user_locked"),
    "enrol_mfa": ("invalid_credentials", "mfa_enabled"),
    "confirm_mfa": ("invalid_code", "mfa_enabled", "conflict"),
    "disable_mfa": ("invalid_credentials", "invalid_code", "conflict"),
    "change_password": ("invalid_credentials",),
    "open_account": ("own_account",),
    "change_pin": (*_PIN, "account_unavailable"),
    "deposit": ("account_unavailable", "own_account", *_IDEMPOTENT),
    "withdraw": (
        *_PIN,
        *_STEP_UP,
        "insufficient_funds",
        "limit_exceeded",
        "account_unavailable",
        "own_account",
        *_IDEMPOTENT,
    ),
    "transfer": (
        *_PIN,
        *_STEP_UP,
        "insufficient_funds",
        "limit_exceeded",
        "same_account",
        "currency_mismatch",
        "account_unavailable",
        "own_account",
        *_IDEMPOTENT,
    ),
    "reverse_transaction": (
        "already_reversed",
        "not_reversible",
        "insufficient_funds",
        "own_account",
        "conflict",
        *_IDEMPOTENT,
    ),
    "account_close": ("balance_not_zero", "account_unavailable"),
    "account_freeze": ("own_account", "account_unavailable"),
    "account_unfreeze": ("own_account", "account_unavailable"),
    "account_unlock": ("own_account", "unlock_limit", "conflict"),
    "unlock_user": ("own_account",),
    "issue_card": ("card_exists", "account_unavailable"),
    "card_freeze": ("card_cancelled",),
    "card_unfreeze": ("card_cancelled",),
    "card_cancel": ("card_cancelled",),
    "card_replace": ("card_cancelled", "account_unavailable"),
    "card_purchase": (
        *_PIN,
        "card_frozen",
        "card_cancelled",
        "insufficient_funds",
        "limit_exceeded",
        "account_unavailable",
        *_IDEMPOTENT,
    ),
    "authorize_card": (
        *_PIN,
        "card_frozen",
        "card_cancelled",
        "insufficient_funds",
        "limit_exceeded",
        "account_unavailable",
        *_IDEMPOTENT,
    ),
    "place_hold": ("insufficient_funds", "account_unavailable", "own_account"),
    "capture_hold": ("hold_not_pending", "not_capturable", "own_account", *_IDEMPOTENT),
    "void_hold": ("hold_not_pending", "own_account"),
    "set_limits": ("account_unavailable",),
    "set_role": ("conflict",),
    # Dual control (SPEC section 15): an approve answers whatever the action it executes answers.
    "approve_approval": (
        "same_person",
        "approval_not_pending",
        "own_account",
        "already_reversed",
        "not_reversible",
        "insufficient_funds",
        "account_unavailable",
    ),
    "reject_approval": ("approval_not_pending",),
}
# Words a reader needs that no model says.
NOTES_BY_OPERATION = {
    "transfer": "Moves `amount_cents` from one of your accounts to the account with `to_account_number` "
    "(check it first with `GET /api/v1/accounts/lookup`). Needs the sending account's PIN; three wrong "
    "PINs lock the account (`423 account_locked`). A refusal for lack of money is recorded as a declined "
    "entry and answered `422 insufficient_funds`. Staff may send from a customer's account, never into "
    "their own.",
    "deposit": "Adds cash to an account (a customer's own deposit stands in for cash paid in at a branch). "
    "The answer carries the account's `balance_after_cents`.",
    "withdraw": "Pays cash out of an account with its PIN. The answer carries the account's `balance_after_cents`.",
    "reverse_transaction": "Staff: posts a compensating entry for a posted one (nothing is edited or deleted); "
    "`reason` is kept with the reversal. An entry of at least `DUAL_CONTROL_CENTS` (default $1,000.00) is "
    "checked, then answered `202` with a pending approval; a second request for an entry already waiting is "
    "`409 conflict` naming the waiting request in `approval_id`.",
    "card_purchase": "The answer's `amount_cents` is the amount moved (positive, as every journal entry "
    "carries it); the account's history shows the same purchase signed from the account's side "
    "(`-1299`), as it does for withdrawals and outgoing transfers.",
    "history": "Each item's `amount_cents` is signed from this account's side: money in is positive, money "
    "out negative. `counterparty` is the other account's number, or, when the bank itself is the other "
    "side, its role: `cash-vault` for cash, `card-settlement` for card purchases.",
    "lookup_account": "Shows the holder masked as first name and last initial (`Alice C.`), so a sender can "
    "check a number before sending; nothing else about the account is revealed.",
}

# Request examples by model name; a model without one gets an example built from its schema.
REQUEST_EXAMPLES = {
    "RegisterIn": {
        "email": "alice@example.com",
        "password": "correct horse battery staple",
        "full_name": "Alice Cooper",
    },
    "LoginIn": {"email": "alice@example.com", "password": "correct horse battery staple"},
    "MfaLoginIn": {"mfa_token": "Jm3k…", "code": "492039"},
    "MfaEnrolIn": {"password": "correct horse battery staple"},
    "MfaConfirmIn": {"code": "492039"},
    "MfaDisableIn": {"password": "correct horse battery staple", "code": "492039"},
    "RefreshIn": {"refresh_token": "rt_9f1c…"},
    "LogoutIn": {"refresh_token": "rt_9f1c…"},
    "ProfileIn": {"full_name": "Alice Cooper", "timezone": "Europe/Berlin"},
    "PasswordIn": {"current_password": "correct horse battery staple", "new_password": "a longer new passphrase"},
    "OpenAccountIn": {"type": "checking", "pin": "1234", "currency": "USD"},
    "PinChangeIn": {"current_pin": "1234", "new_pin": "8642"},
    "DepositIn": {"amount_cents": 12550, "memo": "Cash at the counter"},
    "WithdrawalIn": {"amount_cents": 4000, "pin": "1234", "memo": "Cash"},
    "TransferIn": {
        "from_account_id": 1,
        "to_account_number": "4539578763",
        "amount_cents": 2500,
        "pin": "1234",
        "memo": "Rent",
    },
    "ReverseIn": {"reason": "Paid out twice by mistake"},
    "RoleIn": {"role": "teller"},
    "CardPurchaseIn": {"amount_cents": 1299, "merchant": "Blue Bottle Coffee", "pin": "1234"},
    "EmptyIn": {},
    "ReasonIn": {"reason": "Customer reported fraud on the phone"},
    "CardChangeIn": {"reason": "Card lost on the train"},
    "AuthorizationIn": {"amount_cents": 4999, "merchant": "Hotel Astoria", "pin": "1234"},
    "StaffHoldIn": {"amount_cents": 20000, "reason": "Deposit for a safe box", "expires_in_seconds": 86400},
    "CaptureIn": {"amount_cents": 4500},
    "LimitIn": {"daily_limit_cents": 100000},
    "ApproveIn": {},
    "RejectIn": {"reason": "The customer withdrew the complaint"},
}
RESPONSE_EXAMPLES = {
    "Account": {
        "id": 1,
        "number": "4539578763",
        "type": "checking",
        "currency": "USD",
        "balance_cents": 123450,
        "available_cents": 118450,
        "held_cents": 5000,
        "daily_limit_cents": None,
        "status": "active",
        "pin_locked": False,
        "owner_id": 7,
        "created_at": "2026-01-31T09:15:00Z",
    },
    "User": {
        "id": 7,
        "email": "alice@example.com",
        "full_name": "Alice Cooper",
        "role": "customer",
        "status": "active",
        "created_at": "2026-01-31T09:14:00Z",
    },
    "Lookup": {"number": "4539578763", "holder": "Alice C."},
}

# What each path parameter names (a route with a new one fails to build the document until it is here).
PATH_PARAMETERS = {
    "account_id": "The account's `id` (not its number)",
    "approval_id": "The approval request's `id`",
    "card_id": "The card's `id`",
    "delivery_id": "The delivery attempt's `id`",
    "entry_id": "The journal entry's `id`",
    "hold_id": "The hold's `id`",
    "hook_id": "The webhook's `id`",
    "user_id": "The user's `id`",
    "month": "The statement's month, YYYY-MM (UTC), not after the current month",
}

HEADERS = {
    "X-Request-ID": {
        "description": "The request's id: the client's own when it is 1 to 128 characters of "
        "`[A-Za-z0-9._-]`, otherwise a new one. Quote it when asking about a request.",
        "schema": {"type": "string", "maxLength": 128},
    },
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the current window of the tightest limit on this route.",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {"description": "Requests left in that window.", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {
        "description": "When that window resets, in seconds since the Unix epoch.",
        "schema": {"type": "integer"},
    },
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
    "Idempotent-Replayed": {
        "description": "`true` when this answer is the stored answer to an earlier request with the same "
        "Idempotency-Key: nothing moved again.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any 1 to 255 printable characters, new for each intended operation. A retry with the "
    "same key and body gets the first answer again (with `Idempotent-Replayed: true`) and moves "
    "money once; the same key with another body is `422 idempotency_key_reused`; while the first "
    "is still running, `409 request_in_progress`. The PIN is not part of the comparison.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "example": "6b1f0b6e-2f7c-4d0e-9a55-3f1c2b8d9e01",
}

OVERVIEW = """Retail-banking core over JSON.

* **Money** is in integer minor units: every money field ends in `_cents` (`12550` is $125.50).
* **Times** are ISO 8601 in UTC.
* **Sign in** with `POST /api/v1/auth/login`, then send `Authorization: Bearer <access_token>`;
  `POST /api/v1/auth/refresh` gives a new pair. Registering, logging in and this document need no token.
* **Errors** are `application/problem+json` (RFC 9457) with a stable `code`; each operation lists the codes
  it can answer under its responses. A validation error lists every offending field in `errors`.
* **Idempotency**: money-moving operations take an `Idempotency-Key` header; retry with the same key and
  the money moves once.
* **Rate limits**: every operation may answer `429 rate_limited` with `Retry-After`; answers carry the
  `X-RateLimit-*` headers.
* **Request ids**: send `X-Request-ID` (1 to 128 of `[A-Za-z0-9._-]`) and it is echoed back; any other value,
  or none, gets a new id. Every answer carries it: quote it when asking about a request.
* Lists page with `limit` (1-200) and `cursor` (the previous page's `next_cursor`, null on the last page).
"""


def _default_details() -> dict[str, str]:
    found = {}
    for value in vars(domain_errors).values():
        if isinstance(value, type) and issubclass(value, domain_errors.DomainError):
            found[value.code] = value.default_detail
    return found


# What a problem's detail says in the examples: the words an error raised without a detail of its own
# carries, or, where the answer names the request's own values, a typical one.
EXAMPLE_DETAILS = {
    **_default_details(),
    "validation_error": "amount_cents: must be at least 1",
    "not_found": "No account 42 is visible to you",
    "forbidden": "Customers may not do this (user.list)",
    "rate_limited": "The limit of 5 per 1 minute is reached; wait the seconds Retry-After gives, then try again",
    "service_unavailable": "The bank is busy; try again shortly.",
}


def codes_for(operation_id: str, statuses) -> dict[int, list[str]]:
    """The problem codes an operation answers, grouped by the status each code comes with."""
    by_status: dict[int, list[str]] = {status: [] for status in statuses}
    for status in statuses:
        by_status[status].extend(CODES_BY_STATUS.get(status, ()))
    for code in CODES_BY_OPERATION.get(operation_id, ()):
        status = STATUS_BY_CODE[code]
        if code not in by_status.setdefault(status, []):
            by_status[status].append(code)
    return {status: codes for status, codes in by_status.items() if codes}


def problem_example(code: str, status: int) -> dict:
    title = TITLES.get(code, code.replace("_", " ").capitalize())
    example = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": EXAMPLE_DETAILS.get(code, title),
        "code": code,
        "request_id": "5f0c2a8e9d7b4c1e",
        "errors": [],
    }
    if code == "validation_error":
        example["errors"] = [{"field": "amount_cents", "message": "must be at least 1"}]
    return example


def example_from_schema(schema: dict, defs: dict, depth: int = 0):
    """A plausible value for a JSON Schema: a model without a written example still shows one."""
    if "$ref" in schema:
        return example_from_schema(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs, depth + 1)
    if "examples" in schema:
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return example_from_schema(options[0], defs, depth + 1) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {name: example_from_schema(prop, defs, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_from_schema(schema.get("items", {}), defs, depth + 1)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return _string_example(schema)


# Values for the string patterns the models use, so a built example passes its own schema.
_PATTERN_EXAMPLES = {PIN_PATTERN: "1234", ACCOUNT_NUMBER_PATTERN: "4539578763", CURRENCY_PATTERN: "USD"}


def _string_example(schema: dict) -> str:
    if schema.get("pattern") in _PATTERN_EXAMPLES:
        return _PATTERN_EXAMPLES[schema["pattern"]]
    return (
        "example text"[: schema.get("maxLength", 64)] if schema.get("minLength", 1) <= 12 else "x" * schema["minLength"]
    )
