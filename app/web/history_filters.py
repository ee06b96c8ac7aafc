"""The account history's filters from the query string: checked, and a refused one said in words next
to the filters (the account page still shows), never a bare "Validation failed" page."""

from __future__ import annotations

from datetime import date, datetime

from flask import request

from app.web.filters import humanize
from entities.errors import ValidationFailed
from entities.ledger import EntryKind, EntryStatus

NAMES = ("kind", "status", "from", "to")
KINDS = [("", "All kinds")] + [(str(k), humanize(k)) for k in EntryKind]
STATUSES = [("", "Any status")] + [(str(s), humanize(s)) for s in EntryStatus]
DAY_FORMATS = ("%d %b %Y", "%Y-%m-%d", "%d %B %Y")
DATES_LOOK_LIKE = "Dates look like 02 Dec 2026 (or 2026-12-02)."
INVERTED = "The start date is after the end date: nothing can match. Swap the From and To dates."
UNKNOWN = {"kind": "Choose a kind from the list.", "status": "Choose a status from the list."}


def parse_day(text: str, name: str) -> date:
    """A filter date as shown on the pages ("02 Dec 2026") or as ISO ("2026-12-02")."""
    for pattern in DAY_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValidationFailed(DATES_LOOK_LIKE, errors=[{"field": name, "message": "must be a date"}])


def read_filters() -> tuple[dict, dict]:
    """(filters, form): the filters as the history query takes them (days as ISO), and the filter
    form's state: the values as the fields show them (a day as "02 Dec 2026", a refused one as typed),
    an error per refused field, and the message in words."""
    filters = {name: request.args.get(name, "").strip() for name in NAMES}
    shown, errors, messages = dict(filters), {}, []
    for name, known in (("kind", set(EntryKind)), ("status", set(EntryStatus))):
        if filters[name] and filters[name] not in known:
            errors[name], filters[name] = f"unknown {name}", ""  # the list cannot show it: "All kinds" shows
            messages.append(UNKNOWN[name])
    for name in ("from", "to"):
        if filters[name]:
            try:
                day = parse_day(filters[name], name)
            except ValidationFailed:
                errors[name] = "not a date"
                continue
            filters[name], shown[name] = day.isoformat(), day.strftime("%d %b %Y")
    if "from" in errors or "to" in errors:
        messages.append(DATES_LOOK_LIKE)
    elif filters["from"] and filters["to"] and filters["from"] > filters["to"]:
        errors["from"], errors["to"] = "after the To date", "before the From date"
        messages.append(INVERTED)
    return filters, {"values": shown, "errors": errors, "message": " ".join(messages) or None}
