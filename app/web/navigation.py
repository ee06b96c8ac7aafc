"""Who is signed in on the pages, where they land, and where a "next" address may lead."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.auth import principal_or_none

# A path, a query and nothing else: ASCII letters, digits and URL punctuation; never "//" first
# (another host), never a backslash, quote, space, control or non-ASCII character.
_SAFE_NEXT = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~/?=&%+:@!$,;]*", re.ASCII)
MAX_NEXT_LENGTH = 512


def current_user():
    principal = principal_or_none()
    return getattr(principal, "user", None)


def landing_for(user) -> str:
    """Where a person lands after login (SPEC 10): staff where they work, a customer on the dashboard."""
    role = str(getattr(user, "role", ""))
    return {"admin": "/admin", "teller": "/teller"}.get(role, "/")


def safe_next(url: str | None, default: str = "/") -> str:
    """Only a same-site path of safe ASCII characters is followed after login or an action: no open
    redirect, and nothing a Location or HX-Redirect header cannot carry (WSGI headers are Latin-1;
    a non-Latin-1 value made the server drop the connection after the session was created)."""
    if not isinstance(url, str) or len(url) > MAX_NEXT_LENGTH or not _SAFE_NEXT.fullmatch(url):
        return default
    parts = urlsplit(url)
    return default if parts.scheme or parts.netloc else url
