"""Read models for the web dashboard: accounts, recent activity and a balance series, in one snapshot."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from entities.accounts import Account
from entities.clock import iso, utcnow
from entities.ledger import HistoryItem
from entities.users import Actor
from services.accounts import load_visible
from services.line_names import LineName, LineNamer


@dataclass(frozen=True)
class Activity:
    """One history line with the account it belongs to."""

    account: Account
    item: HistoryItem
    name: LineName | None = None


@dataclass(frozen=True)
class Overview:
    accounts: list[Account]
    recent: list[Activity]
    currency: str  # the series sums the accounts held in this currency
    series: list[tuple[date, int]] = field(default_factory=list)  # (day, closing balance in cents)


class OverviewService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def dashboard(self, actor: Actor, *, tz_name: str = "UTC", days: int = 30, recent: int = 8) -> Overview:
        """The caller's own accounts, their latest ``recent`` history lines across accounts (newest
        first), and the total closing balance of each of the last ``days`` days in ``tz_name``."""
        with self.uow(write=False) as uow:
            accounts = uow.accounts.for_owner(actor.user_id)
            activity = []
            for account in accounts:
                namer = LineNamer(uow, account, actor.user_id)
                activity += [
                    Activity(account, item, namer.name(item)) for item in uow.ledger.history(account.id, limit=recent)
                ]
            activity.sort(key=lambda line: line.item.entry_id, reverse=True)
            currency = accounts[0].currency if accounts else "USD"
            same_currency = [a.id for a in accounts if a.currency == currency]
            series = [
                (day, sum(uow.ledger.balance_before(account_id, end) for account_id in same_currency))
                for day, end in _day_ends(_zone(tz_name), days)
            ]
        return Overview(accounts, activity[:recent], currency, series)

    def describe(self, actor: Actor, account_id: int, items) -> dict[int, LineName]:
        """Each line's description in words, by entry id, as the caller sees the account (SPEC 10)."""
        with self.uow(write=False) as uow:
            account = load_visible(uow, actor, account_id, "history.read")
            namer = LineNamer(uow, account, actor.user_id)
            return {item.entry_id: namer.name(item) for item in items}


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _day_ends(zone: zoneinfo.ZoneInfo, days: int) -> list[tuple[date, str]]:
    """(day, the UTC instant its local day ends) for the last ``days`` days, oldest first."""
    today = utcnow().astimezone(zone).date()
    ends = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        local_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        ends.append((day, iso(local_end)))
    return ends
