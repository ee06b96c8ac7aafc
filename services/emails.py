"""The full email rule (SPEC section 2): syntax and normalisation by the email-validator library.

It lives in services, not entities, because entities import only the standard library."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from entities.errors import ValidationFailed
from entities.users import fold_email


def check_email(raw) -> str:
    """The address as stored: no whitespace, control or format character; compatibility forms
    folded (NFKC); valid syntax (strict, so RFC length limits too; no deliverability look-up);
    normalised by the library (NFC local part, IDNA domain); lower case (emails are unique
    case-insensitively)."""
    folded = fold_email(raw)
    try:
        normalized = validate_email(folded, check_deliverability=False, strict=True).normalized
    except EmailNotValidError as error:
        raise ValidationFailed(errors=[{"field": "email", "message": _message(error)}]) from None
    return unicodedata.normalize("NFC", normalized.lower())


def _message(error: EmailNotValidError) -> str:
    # The library explains what is wrong ("The part after the @-sign is not valid. ..."): keep
    # its words, in the lower-case style of our other field messages.
    text = str(error).strip() or "must be a valid email address"
    return f"must be a valid email address: {text[0].lower()}{text[1:]}"
