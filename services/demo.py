"""Demo data: a few customers with months of realistic, backdated history."""

from __future__ import annotations

import random
from datetime import timedelta

from entities.accounts import Account, AccountType, SystemAccount
from entities.clock import iso, now_iso, utcnow
from entities.ledger import EntryKind, post_between
from entities.users import Actor, Role, User
from services import crypto
from services.audit import record

DEMO_PASSWORD = "demo-password-123"  # noqa: S105  (published demo credential)
DEMO_PIN = "1234"
CUSTOMERS = [
    ("alice@example.com", "Alice Cooper"),
    ("bob@example.com", "Bob Marley"),
    ("carol@example.com", "Carol King"),
]
MERCHANTS = ["Grocer & Co", "City Transit", "Corner Coffee", "Book Nook", "Power Utility", "Pharmacy"]


class DemoSeeder:
    def __init__(self, uow_factory, settings):
        self.uow = uow_factory
        self.settings = settings

    def seed(self, months: int = 4, seed: int = 7) -> list[str]:
        """Create the demo customers (skipping existing ones) and backdated activity. Returns emails created."""
        rng = random.Random(seed)
        actor = Actor(role=Role.ADMIN, ip="cli", user_agent="flask seed-demo")
        password_hash = crypto.hash_password(DEMO_PASSWORD, self.settings.bcrypt_cost)
        created = []
        start = utcnow() - timedelta(days=30 * months)
        with self.uow() as uow:
            accounts = []
            for email, name in CUSTOMERS:
                if uow.users.email_exists(email):
                    continue
                user = uow.users.add(User(None, email, name, password_hash, Role.CUSTOMER, created_at=iso(start)))
                record(uow, actor, "register", "success", "user", user.id, via="seed-demo")
                created.append(email)
                for kind in (AccountType.CHECKING, AccountType.SAVINGS):
                    salt = crypto.new_pin_salt()
                    account = uow.accounts.add(
                        Account(
                            None,
                            "",
                            user.id,
                            kind,
                            "USD",
                            pin_salt=salt,
                            pin_hash=crypto.hash_pin(DEMO_PIN, salt, self.settings.pin_pepper),
                            created_at=iso(start),
                        )
                    )
                    accounts.append(account)
            if accounts:
                self._history(uow, actor, rng, accounts, start)
            uow.commit()
        return created

    def _history(self, uow, actor, rng, accounts, start):
        vault = uow.accounts.system(SystemAccount.CASH_VAULT, "USD")
        settlement = uow.accounts.system(SystemAccount.CARD_SETTLEMENT, "USD")
        moment, end = start, utcnow() - timedelta(hours=1)
        while moment < end:
            moment += timedelta(hours=rng.randint(6, 40))
            account = rng.choice(accounts)
            roll = rng.random()
            if roll < 0.25 or account.balance_cents < 5_000:
                args = (
                    EntryKind.DEPOSIT,
                    vault,
                    account,
                    rng.randint(20_000, 250_000),
                    "Salary" if roll < 0.1 else "Cash deposit",
                )
            elif roll < 0.55:
                args = (EntryKind.CARD_PURCHASE, account, settlement, rng.randint(300, 9_000), rng.choice(MERCHANTS))
            elif roll < 0.75:
                args = (EntryKind.WITHDRAWAL, account, vault, rng.randint(2_000, 20_000), "ATM withdrawal")
            else:
                target = rng.choice([a for a in accounts if a.id != account.id])
                args = (EntryKind.TRANSFER, account, target, rng.randint(1_000, 30_000), "Transfer")
            kind, debit, credit, amount, memo = args
            if not debit.is_system and debit.balance_cents < amount:
                continue
            on_account = credit if kind == EntryKind.DEPOSIT else debit
            counterparty_id = None if credit.is_system or debit.is_system else credit.id
            entry = post_between(
                kind,
                debit,
                credit,
                amount,
                memo=memo,
                account_id=on_account.id,
                counterparty_id=counterparty_id,
                actor_id=None,
            )
            entry.created_at = iso(min(moment, end))
            for kept, posting in zip(uow.accounts.save_balances(debit, credit), entry.postings, strict=True):
                if not kept:  # a system account's, folded later by PostgreSQL's sealer (as LedgerService.post)
                    posting.balance_after_cents = None
            uow.ledger.add(entry)
            # the record a movement's own writes (services/ledger.py), which verification ties to the entry
            sides = {"account_id": on_account.id, "counterparty_account_id": counterparty_id}
            record(
                uow,
                actor,
                str(kind),
                "success",
                "journal_entry",
                entry.id,
                amount_cents=amount,
                **sides,
                via="seed-demo",
            )
        assert now_iso() > iso(end)
