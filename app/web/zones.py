"""The signed-in person's time zone, for every time a page shows (SPEC 10), and zone names as the
tz database spells them today ("Asia/Kolkata", not the old alias "Asia/Calcutta")."""

from __future__ import annotations

import zoneinfo
from functools import cache

from flask import g

# The names that mean UTC itself: the picker offers "UTC".
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT", "GMT", "Universal", "Zulu"})
# Old names browsers still report, for a system whose tz database has no link table to read.
COMMON_ALIASES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Istanbul": "Europe/Istanbul",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "US/Eastern": "America/New_York",
    "US/Central": "America/Chicago",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
}


def user_timezone() -> str:
    user = g.get("web_user")
    return getattr(user, "timezone", None) or "UTC"


def user_zone() -> zoneinfo.ZoneInfo:
    """The user's time zone (UTC before login, or for a name the system does not know)."""
    try:
        return zoneinfo.ZoneInfo(user_timezone())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@cache
def zone_links() -> dict[str, str]:
    """Old and backward-compatible zone names and the zone each stands for, from the system's tz
    database ("L Asia/Kolkata Asia/Calcutta" in tzdata.zi); the common ones when it has none."""
    for folder in zoneinfo.TZPATH:
        try:
            with open(f"{folder}/tzdata.zi", encoding="utf-8") as source:
                return {parts[2]: parts[1] for parts in map(str.split, source) if len(parts) == 3 and parts[0] == "L"}
        except OSError:
            continue
    return dict(COMMON_ALIASES)


def canonical_timezone(name: str) -> str:
    """A zone's current name: "Asia/Calcutta" -> "Asia/Kolkata", "Etc/UTC" -> "UTC"; any other text
    comes back as it was (the profile's rule decides whether it is a zone)."""
    links, seen = zone_links(), set()
    while name in links and name not in seen:  # a link names a zone; follow a chain all the same
        seen.add(name)
        name = links[name]
    return "UTC" if name in UTC_NAMES else name
