"""The one rule for free text (names, memos, merchants, reasons): SPEC section 2."""

from __future__ import annotations

import unicodedata

from entities.errors import ValidationFailed

# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters
# are invisible or ambiguous on a statement; line and paragraph separators break a line as a
# newline does, so they are refused with it.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that must not appear in free text, or None."""
    return next((ch for ch in text if unicodedata.category(ch) in HIDDEN_CATEGORIES), None)


def clean_text(value, field: str, max_len: int, *, required: bool = True, min_len: int = 1) -> str | None:
    """NFC-normalised and trimmed text of ``min_len`` to ``max_len`` characters (counted after
    trimming), with no hidden character anywhere (tab and newline included). An optional field
    that is absent or blank is None."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(errors=[{"field": field, "message": "must be text"}])
    bad = hidden_character(value)
    if bad is not None:
        message = f"must not contain control or invisible characters (found U+{ord(bad):04X})"
        raise ValidationFailed(errors=[{"field": field, "message": message}])
    text = unicodedata.normalize("NFC", value).strip()
    if not text and not required:
        return None
    if not min_len <= len(text) <= max_len:
        message = f"must be {min_len} to {max_len} characters" if required else f"at most {max_len} characters"
        raise ValidationFailed(errors=[{"field": field, "message": message}])
    return text
