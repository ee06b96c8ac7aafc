"""Shared view helpers: page or partial, the one HX-Trigger writer, form errors, redirects."""

from __future__ import annotations

import json
import math
import re
import secrets
import zoneinfo
from urllib.parse import urlsplit

from flask import Response, current_app, flash, g, make_response, redirect, render_template, request

from app.auth import principal_or_none
from app.errors import status_of
from entities.approvals import Approval
from entities.clock import parse_iso, utcnow
from entities.errors import DomainError, ValidationFailed
from entities.money import format_cents, parse_decimal_amount
from services.idempotency import IdempotentRequest, Replayed, fingerprint, without_secrets

# Errors that are not about the submitted form: the central handler answers them (page, toast, redirect).
NOT_FORM_ERRORS = frozenset({"not_found", "forbidden", "unauthorized", "rate_limited", "csrf_failed"})
# Which field a domain error belongs next to, when the service did not name one.
FIELD_BY_CODE = {
    "insufficient_funds": "amount",
    "invalid_pin": "pin",
    "account_locked": "pin",
    "same_account": "to_account_number",
    "currency_mismatch": "to_account_number",
    "mfa_required": "otp",  # step-up (SPEC 15); the code forms of login and security name "code"
    "invalid_code": "otp",
}
FRIENDLY = {
    "validation_error": "Please correct the fields marked below.",
    "invalid_credentials": "Wrong email or password.",
    "user_locked": "This sign-in is locked by the bank. A teller or an admin can unlock it.",
    "account_locked": "This account is locked after three wrong PINs. A teller can unlock it.",
    "insufficient_funds": "There is not enough money in the account.",
    "account_unavailable": "This account is frozen or closed.",
    "same_account": "Choose a different account to send to.",
    "currency_mismatch": "The two accounts hold different currencies.",
    "balance_not_zero": "Only an account with a zero balance can be closed. Move or withdraw the money first.",
    "already_reversed": "This entry has already been reversed.",
    "not_reversible": "Only a posted entry that is not itself a reversal can be reversed.",
    "invalid_code": (
        "That code didn't work. Enter the newest code your authenticator app shows for Corebank (each code works once)."
    ),
    "mfa_required": "This amount needs a code from your authenticator app.",
    "mfa_enabled": "Two-step sign-in is already on.",
}
STAFF_ACCOUNT_LOCKED = (
    "Three wrong PINs locked this account. Lift the lock with Unlock PIN on the customer's page "
    "(ask the customer first), then try again."
)
# A path, a query and nothing else: ASCII letters, digits and URL punctuation; never "//" first
# (another host), never a backslash, quote, space, control or non-ASCII character.
_SAFE_NEXT = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~/?=&%+:@!$,;]*", re.ASCII)
MAX_NEXT_LENGTH = 512
SECRET_FIELDS = frozenset(
    {
        "csrf_token",
        "password",
        "current_password",
        "new_password",
        "pin",
        "current_pin",
        "new_pin",
        "idempotency_key",
        "code",
        "otp",
        "recovery_code",
        "mfa_token",
        "secret",
    }
)


def is_htmx() -> bool:
    """An HTMX request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def current_user():
    principal = principal_or_none()
    return getattr(principal, "user", None)


def landing_for(user) -> str:
    """Where a person lands after login (SPEC 10): staff where they work, a customer on the dashboard."""
    role = str(getattr(user, "role", ""))
    return {"admin": "/admin", "teller": "/teller"}.get(role, "/")


def render(page: str, partial: str, status: int = 200, **context) -> Response:
    """The full page for a normal request, its partial (which the page includes) for HTMX."""
    return make_response(render_template(partial if is_htmx() else page, **context), status)


def fragment(template: str, status: int = 200, **context) -> Response:
    return make_response(render_template(template, **context), status)


def hx_trigger(response: Response, toast: str | None = None, level: str = "success", events=()) -> Response:
    """The one writer of HX-Trigger: a toast and the events that make fragments refresh themselves."""
    payload = json.loads(response.headers.get("HX-Trigger", "{}"))
    payload.update({name: True for name in events})
    if toast:
        payload["toast"] = {"level": level, "message": toast}
    if payload:
        response.headers["HX-Trigger"] = json.dumps(payload)
    return response


def done(message: str, redirect_url: str, *, events=(), partial: str | None = None, **context) -> Response:
    """After a successful action: HTMX gets the fragment (or nothing) with a toast and refresh events;
    a plain form post gets a flashed message and a 303 redirect."""
    if is_htmx():
        body = render_template(partial, **context) if partial else ""
        return hx_trigger(make_response(body, 200), message, events=events)
    flash(message, "success")
    return redirect(redirect_url, 303)


def redirect_to(url: str) -> Response:
    """Navigate the whole page: HX-Redirect for HTMX, 303 otherwise."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def safe_next(url: str | None, default: str = "/") -> str:
    """Only a same-site path of safe ASCII characters is followed after login or an action: no open
    redirect, and nothing a Location or HX-Redirect header cannot carry (WSGI headers are Latin-1;
    a non-Latin-1 value made the server drop the connection after the session was created)."""
    if not isinstance(url, str) or len(url) > MAX_NEXT_LENGTH or not _SAFE_NEXT.fullmatch(url):
        return default
    parts = urlsplit(url)
    return default if parts.scheme or parts.netloc else url


def available_cents(account) -> int:
    """What the account can spend now: its available balance where holds exist (SPEC 13), else its balance."""
    available = getattr(account, "available_cents", None)
    return account.balance_cents if available is None else available


def lock_message(locked_until: str) -> str:
    """A login lock in words: when it ends (in the user's zone, UTC before login) and who can lift it."""
    until = parse_iso(locked_until)
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    when = until.astimezone(user_zone()).strftime("%H:%M %Z")
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (
        f"Too many wrong passwords or codes: this sign-in is locked until {when} (in {wait}). "
        "Try again then, or ask a teller to unlock it sooner."
    )


def _friendly(error: DomainError, account=None) -> str:
    if error.code == "insufficient_funds" and account is not None:
        available = format_cents(available_cents(account), account.currency)
        return f"Not enough money in the account: {available} is available."
    if error.code == "invalid_pin" or (error.code == "invalid_code" and "attempts_remaining" in error.extra):
        return error.detail  # the detail counts the attempts left (a step-up code counts like a PIN)
    if error.code == "account_locked" and getattr(current_user(), "is_staff", False):
        return STAFF_ACCOUNT_LOCKED  # staff are the ones who can lift it
    if error.code == "user_locked" and error.extra.get("locked_until"):
        return lock_message(error.extra["locked_until"])
    return FRIENDLY.get(error.code, error.detail)


def form_state(error: DomainError | None = None, fields: dict | None = None, account=None) -> dict:
    """What a form partial shows: the submitted values (never secrets) and errors per field.
    ``fields`` names this form's field for an error code where it differs (e.g. "current_pin");
    ``account``, the account money would leave, lets "not enough money" say how much is available."""
    values = {k: v for k, v in request.form.items() if k not in SECRET_FIELDS}
    if error is None:
        return {"values": values, "errors": {}, "message": None}
    errors = {e["field"]: e["message"] for e in error.errors if isinstance(e, dict) and "field" in e}
    field = (fields or {}).get(error.code) or FIELD_BY_CODE.get(error.code)
    if field:  # the message belongs next to that field
        errors.setdefault(field, _friendly(error, account))
        return {"values": values, "errors": errors, "message": None}
    return {"values": values, "errors": errors, "message": _friendly(error, account)}


def form_failed(error: DomainError, name: str, partial: str, page_view, fields=None, **context) -> Response:
    """Re-render the failed form next to its errors: the partial for HTMX, the whole page otherwise.
    The money's source account, if the context names one (``account`` or ``source``), lets a
    refusal for lack of money say what is available."""
    if error.code in NOT_FORM_ERRORS:
        raise error
    state = form_state(error, fields, context.get("source") or context.get("account"))
    status = status_of(error)
    if is_htmx():
        return fragment(partial, status, form=state, **context)
    return page_view(forms={name: state}, status=status)


def action_failed(error: DomainError, name: str, page_view, message: str | None = None, events=()) -> Response:
    """A refused button with no field to stand next to: HTMX keeps the page and shows the reason in a
    toast (plus refresh events, e.g. for a recorded decline); a plain post gets the page with the message."""
    if error.code in NOT_FORM_ERRORS:
        raise error
    named = [f"{e['field'].capitalize()}: {e['message']}" for e in error.errors if isinstance(e, dict) and "field" in e]
    message = message or "; ".join(named) or FRIENDLY.get(error.code, error.detail)
    if is_htmx():
        response = make_response("", status_of(error))
        response.headers["HX-Reswap"] = "none"
        return hx_trigger(response, message, level="error", events=events)
    return page_view(forms={name: {"values": {}, "errors": {}, "message": message}}, status=status_of(error))


def parse_amount(name: str = "amount") -> int:
    return parse_decimal_amount(request.form.get(name), name)


def form_int(name: str, source=None) -> int:
    raw = (source if source is not None else request.form).get(name, "")
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) == 0:
        raise ValidationFailed(errors=[{"field": name, "message": "choose one"}])
    return int(raw)


def optional(name: str, source=None) -> str | None:
    value = (source if source is not None else request.form).get(name, "").strip()
    return value or None


def free_text(name: str) -> str | None:
    """A free-text field as sent (None when empty): the service applies the text rule (trim, NFC,
    no control or invisible character), so a tab refused by the API is refused here too."""
    return request.form.get(name) or None


def required_reason(may_act: bool = True) -> str:
    """The reason a consequential staff action asks for (SPEC 10: reverse, lock, freeze, role change),
    as sent; the service applies the text rule and writes it into the audit record. Someone who may
    not act at all (``may_act`` false) is not told to give a reason: the service refuses them (403)."""
    reason = request.form.get("reason", "")
    if may_act and not reason.strip():
        raise ValidationFailed(
            "Say why: the audit log keeps the reason.",
            errors=[{"field": "reason", "message": "say why: the audit log keeps the reason"}],
        )
    return reason


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(16)


def idempotent_form() -> IdempotentRequest | None:
    """Double submits of a money form move money once: the form carries a fresh key per render."""
    key = request.form.get("idempotency_key", "")
    if not 1 <= len(key) <= 64 or not key.isascii() or not key.isprintable():
        return None
    # The PIN stays out (SPEC section 4): a resubmission differing only in it is answered with the
    # stored outcome, never "reused", so a known key cannot tell a right PIN from a wrong one.
    submitted = ((k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "idempotency_key"))
    request_text = json.dumps([request.method, request.path, without_secrets(submitted)])
    request_fingerprint = fingerprint(current_app.config["PIN_PEPPER"], request_text)

    def answer(entry, error):
        if error is not None:
            return status_of(error), {"code": error.code, "detail": error.detail, "errors": error.errors}
        if isinstance(entry, Approval):  # sent for a second staff member's approval (SPEC 15)
            return 202, {"approval_id": entry.id}
        return 201, {"entry_id": entry.id}

    return IdempotentRequest(key=f"web:{key}", fingerprint=request_fingerprint, render=answer)


def settled(result):
    """A money call's entry; for a replayed submission, the stored decline is raised again, and a
    stored success is returned as None (nothing moved twice)."""
    if not isinstance(result, Replayed):
        return result
    if result.status >= 400:
        error = DomainError(result.body.get("detail"), errors=result.body.get("errors"))
        error.code = result.body.get("code", "validation_error")
        raise error
    return None


def user_timezone() -> str:
    user = g.get("web_user")
    return getattr(user, "timezone", None) or "UTC"


def user_zone() -> zoneinfo.ZoneInfo:
    """The user's time zone (UTC before login, or for a name the system does not know)."""
    try:
        return zoneinfo.ZoneInfo(user_timezone())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
