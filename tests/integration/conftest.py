"""A migrated SQLite file per test, the unit of work over it, and a few row builders."""

import sqlite3

import pytest

from entities.accounts import Account, AccountType
from entities.clock import now_iso
from entities.users import User
from repository import db, migrations
from repository.unit_of_work import UnitOfWork, factory
from tests.support.scratch import scratch_dir

AUDIT_KEY = b"integration-audit-key-0123456789abcdef"


@pytest.fixture
def db_dir(tmp_path):
    yield from scratch_dir(tmp_path)


@pytest.fixture
def database_url(db_dir):
    url = f"sqlite:///{db_dir / 'integration.db'}"
    conn = db.connect(url)
    try:
        migrations.upgrade(conn)
    finally:
        db.close(url, conn)
    return url


@pytest.fixture
def app_config(app_config, tmp_path):
    """The app's own, unmigrated SQLite file (it migrates at start-up), apart from ``database_url``,
    which the repository tests get already migrated; tests that stand in for an earlier release
    (the legacy chain, stored CVVs) need the app to run the migrations itself."""
    return {**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'corebank.db'}"}


@pytest.fixture
def uow(database_url):
    return factory(database_url, audit_key=AUDIT_KEY)


@pytest.fixture
def raw(database_url):
    """A plain sqlite3 connection to the same file, behind the application's back."""
    conn = sqlite3.connect(db.sqlite_path(database_url), isolation_level=None, timeout=5)
    conn.execute("PRAGMA foreign_keys=ON")
    yield conn
    conn.close()


def add_user(uow_: UnitOfWork, email="owner@example.com") -> User:
    return uow_.users.add(User(None, email, "Owner Name", "hash", created_at=now_iso()))


def add_account(uow_: UnitOfWork, owner_id: int, balance_cents: int = 0, currency="USD") -> Account:
    return uow_.accounts.add(
        Account(
            id=None,
            number="",
            owner_id=owner_id,
            type=AccountType.CHECKING,
            currency=currency,
            balance_cents=balance_cents,
            created_at=now_iso(),
        )
    )


@pytest.fixture
def seeded(uow):
    """(user id, account id) of a committed customer with an empty checking account."""
    with uow() as work:
        user = add_user(work)
        account = add_account(work, user.id)
        work.commit()
    return user.id, account.id
