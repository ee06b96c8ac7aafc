"""The audit log viewer in words (SPEC 7 and 10): actions, reasons and details as people say them,
people by name, accounts by their masked number, money in the account's currency."""

from __future__ import annotations

from dataclasses import dataclass

from app.web.audit_vocabulary import (
    ACTION_GROUPS,
    ACTION_WORDS,
    CAPITALIZED,
    LABELS,
    REASON_WORDS,
    RESOURCE_WORDS,
    VALUE_WORDS,
)
from app.web.filters import humanize, localtime, money
from services.audit import AuditNames, as_id

WRITTEN_BY_PEOPLE = frozenset({"reason", "note", "memo"})
MAX_TEXT = 80


def action_words(action: str) -> str:
    """ "account.freeze" -> "Account frozen"; an unknown code humanized."""
    return ACTION_WORDS.get(action) or humanize(action)


def action_choices(current: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's groups of (code, words); an address's unknown action stays choosable."""
    groups = [("", [("", "Any action")])] + [(label, list(actions)) for label, actions in ACTION_GROUPS]
    if current and current not in ACTION_WORDS:
        groups.append(("Other", [(current, humanize(current))]))
    return groups


@dataclass(frozen=True)
class AuditRow:
    """One audit record as the viewer shows it."""

    record: object
    action: str
    actor: object  # the User, or None (system, anonymous, or gone)
    resource: str
    details: list[tuple[str, str]]


def rows_in_words(records, names: AuditNames) -> list[AuditRow]:
    return [
        AuditRow(
            record,
            action_words(record.action),
            names.users.get(record.actor_id) if record.actor_id is not None else None,
            resource_words(record, names),
            record_details(record, names),
        )
        for record in records
    ]


def user_words(names: AuditNames, user_id) -> str:
    """A person by name and id: a name can be changed (or chosen to look like someone else's), the id
    cannot."""
    user = names.users.get(as_id(user_id))
    return f"{user.full_name} (#{user.id})" if user else f"user #{user_id}"


def account_words(names: AuditNames, account_id) -> str:
    account = names.accounts.get(as_id(account_id))
    if account is None:
        return f"account #{account_id}"
    return account.label


def card_words(names: AuditNames, card_id) -> str:
    card = names.cards.get(as_id(card_id))
    return f"card ···{card.pan_last4}" if card else f"card #{card_id}"


_BY_KIND = {"user": user_words, "account": account_words, "card": card_words}


UNREADABLE = "unreadable: changed outside the bank's software (Verify reports the record)"


def detail_map(record) -> dict:
    """A record's details as written; {} when they are not a JSON object (edited behind the
    application's back: the page still shows the record, and verification fails on its hash)."""
    return record.details if isinstance(record.details, dict) else {}


def resource_words(record, names: AuditNames) -> str:
    """What a record is about: "Grace Hopper", "Checking ···4821", "Entry #12"."""
    kind, resource_id = record.resource_type, record.resource_id
    if kind in _BY_KIND and resource_id:
        return _BY_KIND[kind](names, resource_id)
    label = RESOURCE_WORDS.get(kind) or humanize(kind)
    return f"{label} #{resource_id}" if resource_id else label


def record_currency(record, names: AuditNames) -> str:
    """The currency of a record's amounts: the record's own, else its account's, else USD."""
    details = detail_map(record)
    if isinstance(details.get("currency"), str):
        return details["currency"]
    account_id = details.get("account_id")
    if account_id is None and record.resource_type == "account":
        account_id = record.resource_id
    account = names.accounts.get(as_id(account_id))
    return account.currency if account else "USD"


def record_details(record, names: AuditNames) -> list[tuple[str, str]]:
    """A record's details for people: "Amount: €50.00", "Account: Checking ···4821", "Reason: Wrong
    PIN"; never {"amount_cents": 5000} or "Owner id: 3"."""
    if not isinstance(record.details, dict):  # the application writes an object, {} at least
        return [("Details", UNREADABLE)]
    currency = record_currency(record, names)
    shown = []
    for key, value in detail_map(record).items():
        if value is None or key == "currency":
            continue
        label = LABELS.get(key) or humanize(key.removesuffix("_cents").removesuffix("_id"))
        shown.append((label, _value(key, value, names, currency)))
    return shown


def _value(key, value, names, currency) -> str:
    if key.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        return money(value, currency)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in ("owner_id", "user_id", "requested_by", "observed_by"):
        return user_words(names, value)
    if key in ("account_id", "counterparty_account_id"):
        return account_words(names, value)
    if key == "card_id":
        return card_words(names, value)
    if key.endswith("_id"):
        return f"#{value}"
    if isinstance(value, str) and (key == "until" or key.endswith(("_at", "_until"))):
        return localtime(value, "%d %b %Y %H:%M %Z")
    if key in VALUE_WORDS:
        return VALUE_WORDS[key].get(str(value), humanize(value))
    if key in CAPITALIZED and isinstance(value, str):
        return humanize(value)
    if key == "reason" and isinstance(value, str) and value in REASON_WORDS:
        return REASON_WORDS[value]  # a code the system wrote; a person's reason is shown as typed
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if key in WRITTEN_BY_PEOPLE:  # bounded when written (140 characters): shown whole
        return text
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "…"
