"""Monthly account statements (SPEC section 6)."""

from __future__ import annotations

from entities.clock import utcnow
from entities.statements import Month, Statement, months_since, parse_month
from entities.users import Actor
from services.accounts import load_visible


class StatementService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def monthly(self, actor: Actor, account_id: int, month: str) -> Statement:
        """The statement of ``month`` (``YYYY-MM``, UTC, not after the current month) for an account
        the actor may see. Three index range reads in one snapshot: the cost follows the month's
        activity, never the account's whole history."""
        period = parse_month(month, utcnow().date())
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "statement.read")
            opening = uow.ledger.balance_before(account.id, period.start_iso)
            lines = uow.ledger.postings_in_range(account.id, period.start_iso, period.end_iso)
            declined = uow.ledger.declined_in_range(account.id, period.start_iso, period.end_iso)
        return Statement(account.id, account.number, account.currency, period, opening, lines, declined)

    def months(self, actor: Actor, account_id: int) -> list[Month]:
        """The months a statement exists for (from the account's opening to now), newest first."""
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "statement.read")
        return months_since(account.created_at, utcnow().date())
