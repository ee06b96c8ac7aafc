"""Form fields in, errors next to their fields out: the submitted values (never secrets), a refused
form re-rendered as a partial for HTMX or as the whole page for a plain post."""

from __future__ import annotations

from flask import Response, make_response, request

from app.errors import status_of
from app.web.htmx import fragment, hx_trigger, is_htmx
from app.web.messages import FRIENDLY, friendly
from entities.errors import DomainError, ValidationFailed
from entities.money import parse_decimal_amount

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
        errors.setdefault(field, friendly(error, account))
        return {"values": values, "errors": errors, "message": None}
    return {"values": values, "errors": errors, "message": friendly(error, account)}


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
    # A refused field's own sentence ("Say why: the audit log keeps the reason.") reads better than
    # "Reason: say why: ..."; the generic title ("Validation failed") does not.
    own_detail = error.detail if error.code == "validation_error" and error.detail != error.title else None
    message = message or own_detail or "; ".join(named) or FRIENDLY.get(error.code, error.detail)
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
