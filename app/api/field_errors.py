"""Pydantic's validation errors in our words: one message per error type, filled from the field's
constraints (its bound, length or pattern), for every endpoint alike. Pydantic's own text ("Input
should be a valid integer", "String should match pattern '^[0-9]{4,6}$'") never reaches a client."""

from __future__ import annotations

from pydantic import ValidationError

from app.api.schemas import ACCOUNT_NUMBER_PATTERN, CURRENCY_PATTERN, PIN_PATTERN

# By error type; {placeholders} come from the error's context (the constraint it broke).
MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "int_type": "must be a whole number{unit}",
    "int_parsing": "must be a whole number{unit}",
    "int_from_float": "must be a whole number{unit}",
    "int_parsing_size": "is too large",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_type": "must be a string",
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be at most {max_length} characters",
    "string_pattern_mismatch": "has the wrong format",
    "literal_error": "must be {expected}",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date (YYYY-MM-DD)",
    "list_type": "must be a list",
    "too_short": "must hold at least {min_length} items",
    "too_long": "must hold at most {max_length} items",
    "dict_type": "must be an object",
    "model_type": "must be an object",
}
FALLBACK = "is not valid"
# A pattern says little to a person: what it asks for, in words.
PATTERN_MESSAGES = {
    PIN_PATTERN: "must be 4 to 6 digits",
    ACCOUNT_NUMBER_PATTERN: "must be 10 digits",
    CURRENCY_PATTERN: "must be a three-letter ISO 4217 code in capitals, such as USD",
}
# The unit a whole number counts, from the field name's ending (SPEC 9: money fields end in _cents).
UNITS = {"_cents": " of cents", "_seconds": " of seconds"}
OUR_OWN = "invalid"  # raised by our own rules (app/api/schemas.py ``_rule``): the message is ours already


def field_errors(exc: ValidationError) -> list[dict]:
    """``[{"field", "message"}]`` for every error pydantic found, in the order it found them."""
    return [{"field": field_name(e["loc"]), "message": message(e)} for e in exc.errors(include_url=False)]


def field_name(loc) -> str:
    return ".".join(str(part) for part in loc if part not in ("body",)) or "body"


def message(error: dict) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == OUR_OWN:
        return error["msg"]
    if kind == "string_pattern_mismatch" and context.get("pattern") in PATTERN_MESSAGES:
        return PATTERN_MESSAGES[context["pattern"]]
    if kind in ("string_too_short", "too_short") and context.get("min_length") == 1:
        return "must not be empty"
    name = str(error["loc"][-1]) if error["loc"] else ""
    unit = next((words for ending, words in UNITS.items() if name.endswith(ending)), "")
    try:
        return MESSAGES.get(kind, FALLBACK).format(unit=unit, **context)
    except (KeyError, IndexError, ValueError):  # a context without the value the message names
        return FALLBACK
