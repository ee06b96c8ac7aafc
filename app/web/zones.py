"""The signed-in person's time zone, for every time a page shows (SPEC 10)."""

from __future__ import annotations

import zoneinfo

from flask import g


def user_timezone() -> str:
    user = g.get("web_user")
    return getattr(user, "timezone", None) or "UTC"


def user_zone() -> zoneinfo.ZoneInfo:
    """The user's time zone (UTC before login, or for a name the system does not know)."""
    try:
        return zoneinfo.ZoneInfo(user_timezone())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
