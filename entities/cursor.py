"""The opaque keyset cursor of every list (SPEC section 9): an id, encoded so that clients do not
build one by hand, and refused with a field error when it was tampered with."""

from __future__ import annotations

import base64
import re

from entities import valid_id
from entities.errors import ValidationFailed

_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        if not _CURSOR.match(cursor):
            raise ValueError
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("e") or not text[1:].isdigit() or not valid_id(int(text[1:])):
            raise ValueError
        return int(text[1:])
    except ValueError:
        raise ValidationFailed(errors=[{"field": "cursor", "message": "invalid cursor"}]) from None
