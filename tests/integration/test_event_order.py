"""The event feed never skips an event (SPEC section 16): a reader paging by id, however the
writers' commits interleave, sees every committed event exactly once, in increasing id order. On
PostgreSQL commits are not serialised, so an event inserted first may commit last: the sealer
numbers events after commit, and the feed shows numbered events only."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest

from app import create_app
from entities.users import Actor, Role
from services import events
from tests.support import databases
from tests.support.databases import BehindTheBack

PASSWORD = "correct horse battery staple"
WRITERS, CHANGES_EACH = 6, 15


@pytest.fixture
def bank(tmp_path):
    """An app on a database of its own: PostgreSQL under COREBANK_TEST_DATABASE=postgresql, else SQLite."""
    url = databases.new_postgres_database() if databases.on_postgresql() else f"sqlite:///{tmp_path / 'order.db'}"
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "TESTING": True,
            "DATABASE_URL": url,
            "BCRYPT_COST": 4,
            "RATELIMIT_ENABLED": False,
            "LOG_DIR": str(tmp_path / "logs"),
        }
    )
    yield app.extensions["corebank"], url
    if databases.on_postgresql():
        databases.drop_postgres_database(url)


def _customer(services, n: int) -> Actor:
    user = services.identity.register(Actor(), f"writer{n}@example.com", PASSWORD, f"Writer {n}")
    return Actor(user_id=user.id, role=Role.CUSTOMER)


def _page_all(services, staff: Actor, after: int) -> tuple[list[int], int]:
    seen = []
    while True:
        page, cursor = services.events.list(staff, after=after, limit=7)
        seen += [e.id for e in page]
        after = page[-1].id if page else after
        if cursor is None:
            return seen, after


def test_a_reader_paging_during_concurrent_writes_never_skips_an_event(bank):
    services, url = bank
    staff = Actor(user_id=None, role=Role.ADMIN)
    customers = [_customer(services, n) for n in range(WRITERS)]
    accounts = [services.accounts.open(c, "checking", "1234") for c in customers]
    services.uow.seal()
    _, after = _page_all(services, staff, 0)
    seen: list[int] = []
    done = threading.Event()

    def read():
        cursor = after
        while not done.is_set():
            ids, cursor = _page_all(services, staff, cursor)
            seen.extend(ids)

    def write(i: int):
        for _ in range(CHANGES_EACH):
            services.ledger.deposit(staff, accounts[i].id, 100)

    reader = threading.Thread(target=read)
    reader.start()
    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    services.uow.seal()
    done.set()
    reader.join(timeout=30)
    tail, _ = _page_all(services, staff, seen[-1] if seen else after)
    seen += tail
    db = BehindTheBack(url)
    try:
        committed = [row[0] for row in db.rows("SELECT seq FROM events WHERE seq > ? ORDER BY seq", (after,))]
    finally:
        db.close()
    assert len(committed) == WRITERS * CHANGES_EACH
    assert seen == committed  # each once, in increasing order, none skipped


@pytest.mark.skipif(
    not databases.on_postgresql(),
    reason="PostgreSQL only: SQLite commits one transaction at a time, none can commit late",
)
def test_an_event_committing_after_a_later_one_is_not_skipped(bank):
    services, _ = bank
    staff = Actor(user_id=None, role=Role.ADMIN)
    customer = _customer(services, 1)
    services.uow.seal()
    _, start = _page_all(services, staff, 0)
    late = services.uow()
    late.__enter__()
    try:
        first = events.publish(late, "account.frozen", {"written": "first"}, [])  # inserted first, not committed
        services.accounts.open(customer, "checking", "1234")  # inserted after, committed at once
        services.uow.seal()
        page, _ = services.events.list(staff, after=start)
        assert [e.type for e in page] == ["account.opened"]
        cursor = page[-1].id
        late.commit()
    finally:
        late.__exit__(None, None, None)
    assert first.id is None  # numbered by the sealer, after its commit
    services.uow.seal()
    page, next_cursor = services.events.list(staff, after=cursor)
    assert [(e.type, e.data) for e in page] == [("account.frozen", {"written": "first"})]
    assert page[0].id > cursor and next_cursor is None
