"""Domain errors and locks in words: what happened and what to do next (SPEC 10), never a code."""

from __future__ import annotations

import math

from app.web.navigation import current_user
from app.web.zones import user_zone
from entities.clock import parse_iso, utcnow
from entities.errors import DomainError, names_a_rule
from entities.money import format_cents

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


# The error page's words (templates/partials/_error.html) and an HTMX error toast's: a title that
# says what happened and advice on what to do next. A code not listed shows its own detail.
ERROR_WORDS = {
    "not_found": ("We can't find that page", "The address may be mistyped, or the page is not yours to see."),
    "forbidden": (
        "That isn't open to you",
        "This page or action needs another role. If you think it should work, ask an admin.",
    ),
    "mfa_required": (
        "Sign in with your authenticator app",
        "Staff work needs two-step sign-in. Set up an authenticator app on the security page, "
        "then sign out and in again with a code.",
    ),
    "own_account": ("Not on your own account", "Staff powers never apply to your own accounts: ask a colleague."),
    "csrf_failed": ("This form has expired", "Reload the page and send the form again."),
    "method_not_allowed": ("That doesn't work here", "Use the page's own buttons and links."),
    "rate_limited": ("Too many attempts", "Wait a minute, then try again."),
    "service_unavailable": ("The bank is busy", "Nothing was changed. Try again in a moment."),
    "internal_error": (
        "Something went wrong on our side",
        "Nothing was changed. Try again; if it keeps happening, quote the request id below.",
    ),
}
# Refusals whose detail says which rule refused ("Only an admin unlocks a teller or an admin").
SPECIFIC_DETAIL = frozenset({"forbidden", "own_account"})


def error_words(problem: dict) -> tuple[str, str]:
    """(title, advice) for an error page; a code without words of its own shows its title and detail."""
    return ERROR_WORDS.get(problem.get("code"), (problem.get("title"), problem.get("detail")))


def refusing_rule(problem: dict) -> str | None:
    """A refusal's detail when it says which rule refused; None for a refusal by role alone, whose
    detail names the action's code for API clients (the page's own words say it for people)."""
    detail = problem.get("detail")
    if problem.get("code") in SPECIFIC_DETAIL and detail != problem.get("title") and names_a_rule(detail):
        return detail
    return None


def error_toast(problem: dict) -> str:
    """An HTMX request's error in one toast: the error page's words, the rule that refused where the
    detail names one, and the request id where the words ask for it (a toast has no "below")."""
    code, detail = problem.get("code"), problem.get("detail") or ""
    if code == "validation_error":  # no field is marked on the page: the toast names them
        fields = [e for e in problem.get("errors") or () if isinstance(e, dict) and "field" in e]
        named = [f"{e['field'].replace('_', ' ').capitalize()}: {e.get('message', 'invalid')}" for e in fields]
        return "; ".join(named) + "." if named else detail
    if code not in ERROR_WORDS:
        return FRIENDLY.get(code, detail)
    title, advice = ERROR_WORDS[code]
    if rule := refusing_rule(problem):
        advice = rule if rule.endswith((".", "!", "?")) else f"{rule}."
    if code == "internal_error":  # the toast quotes the id itself (the response's X-Request-ID)
        request_id = problem.get("request_id")
        advice = f"Nothing was changed. Try again; if it keeps happening, quote the request id {request_id}."
    return f"{title}. {advice}"


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


def friendly(error: DomainError, account=None) -> str:
    """The error in words for the person in front of the page; ``account``, the account money would
    leave, lets "not enough money" say how much is available."""
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
