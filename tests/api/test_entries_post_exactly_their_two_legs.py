"""A posted journal entry moves its amount between exactly the two accounts it names (SPEC section 8):
its own account and its counterparty, or the system account its kind implies. A pair of postings
smuggled into an audited entry, or a leg moved to another account, with the balances adjusted to
match, fails verification; the database itself refuses a third posting and a posting on a declined
entry. On the suite's backend."""

from __future__ import annotations

import pytest

from entities.clock import now_iso
from repository.errors import IntegrityViolation
from tests.api.helpers import raw_connection
from tests.conftest import PIN
from tests.support import databases

SMUGGLED_CENTS = 999_999_900


@pytest.fixture
def app_config(app_config, database_url):
    """This file runs on the suite's backend: PostgreSQL in the PostgreSQL pass."""
    return {**app_config, "DATABASE_URL": database_url} if databases.on_postgresql() else app_config


def _created(response) -> dict:
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def ledger(api, client, teller):
    """Every kind of entry the bank posts, a reversal of each kind that can be reversed and a decline;
    last, a deposit into the mule's account. Returns (alice's headers, her account, her savings, the mule's account)."""
    _, alice = api.customer("Alice Cooper")
    account = api.funded_account(alice, 50_000)
    savings = api.account(alice, type="savings")
    path = f"/api/v1/accounts/{account['id']}"
    reversible = [
        _created(api.deposit(alice, account["id"], 3_000)),
        _created(client.post(f"{path}/withdrawals", json={"amount_cents": 1_000, "pin": PIN}, headers=alice)),
        _created(api.transfer(alice, account["id"], savings["number"], 2_000)),
    ]
    card = _created(client.post(f"{path}/card", headers=alice))
    payment = {"amount_cents": 500, "merchant": "Bakery", "pin": PIN}
    reversible.append(_created(client.post(f"/api/v1/cards/{card['id']}/purchases", json=payment, headers=alice)))
    payment = {"amount_cents": 700, "merchant": "Rail", "pin": PIN}
    hold = _created(client.post(f"/api/v1/cards/{card['id']}/authorizations", json=payment, headers=alice))
    reversible.append(_created(client.post(f"/api/v1/holds/{hold['id']}/capture", json={}, headers=alice)))
    for entry in reversible:
        _created(client.post(f"/api/v1/transactions/{entry['id']}/reverse", headers=teller[1]))
    assert api.transfer(alice, savings["id"], account["number"], 999_999).status_code == 422
    _, mallory = api.customer("Mallory Mule")
    mule = api.funded_account(mallory, 100)
    return alice, account, savings, mule


def _failed(services) -> dict[str, str]:
    return {check.name: check.detail for check in services.verification.run() if not check.passed}


def _balance(db, account_id: int) -> int:
    return db.one("SELECT balance_cents FROM accounts WHERE id = ?", (account_id,))


def _smuggle(db, entry_id: int, debit_id: int, credit_id: int, cents: int) -> None:
    """Add ``cents`` from ``debit_id`` to ``credit_id`` to an existing entry, the balances brought
    along as the application would: a PostgreSQL system account's posting is left to the sealer to fold."""
    created_at = db.one("SELECT created_at FROM journal_entries WHERE id = ?", (entry_id,))
    for account_id, amount in ((debit_id, -cents), (credit_id, cents)):
        folded_later = db.backend == "postgresql" and db.one(
            "SELECT type = 'system' FROM accounts WHERE id = ?", (account_id,)
        )
        after = None if folded_later else _balance(db, account_id) + amount
        db.execute(
            "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (entry_id, account_id, amount, after, created_at),
        )
        if not folded_later:
            db.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (after, account_id))


def _move_credit(db, entry: dict, recipient_id: int, mule_id: int) -> None:
    """The transfer's credit posting moved from the recipient to the mule, balances brought along."""
    mule_balance = _balance(db, mule_id) + entry["amount_cents"]
    with db.trigger_lifted("postings", "postings_no_update"):
        db.execute(
            "UPDATE postings SET account_id = ?, balance_after_cents = ? WHERE entry_id = ? AND amount_cents > 0",
            (mule_id, mule_balance, entry["id"]),
        )
    db.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (mule_balance, mule_id))
    db.execute("UPDATE accounts SET balance_cents = 0 WHERE id = ?", (recipient_id,))


def test_every_kind_of_entry_and_its_reversal_verifies(services, ledger):
    assert _failed(services) == {}


def test_a_pair_of_postings_smuggled_into_an_audited_deposit_fails(app, services, ledger):
    *_, mule = ledger
    with raw_connection(app) as db:
        entry_id = db.one("SELECT MAX(entry_id) FROM postings WHERE account_id = ?", (mule["id"],))
        vault = db.one("SELECT id FROM accounts WHERE system_code = 'cash-vault'")
        with db.trigger_lifted("postings", "postings_two_per_entry"):
            _smuggle(db, entry_id, vault, mule["id"], SMUGGLED_CENTS)

    assert _failed(services) == {"entries_balanced": f"ids: {entry_id}"}


def test_a_pair_of_postings_smuggled_into_an_audited_transfer_fails(app, api, services, ledger):
    """Between two customer accounts, no system account involved: more of Alice's money to the mule."""
    alice, account, _, mule = ledger
    entry = _created(api.transfer(alice, account["id"], mule["number"], 100))
    with raw_connection(app) as db, db.trigger_lifted("postings", "postings_two_per_entry"):
        _smuggle(db, entry["id"], account["id"], mule["id"], 10_000)

    assert _failed(services) == {"entries_balanced": f"ids: {entry['id']}"}


def test_a_transfer_whose_credit_was_moved_to_another_account_fails(app, api, services, ledger):
    """Two postings summing to zero, but the money reached the mule instead of the recipient the entry names."""
    alice, account, _, mule = ledger
    recipient = api.account(api.customer("Bob Builder")[1])
    entry = _created(api.transfer(alice, account["id"], recipient["number"], 2_500))
    with raw_connection(app) as db:
        _move_credit(db, entry, recipient["id"], mule["id"])

    assert _failed(services) == {"entries_balanced": f"ids: {entry['id']}"}


def test_a_transfer_redirected_entry_and_postings_alike_fails_against_its_audit_record(app, api, services, ledger):
    """The entry's counterparty moved to the mule together with the credit posting: the two legs agree
    with the entry, but the keyed audit record still names the recipient the customer paid."""
    alice, account, _, mule = ledger
    recipient = api.account(api.customer("Bob Builder")[1])
    entry = _created(api.transfer(alice, account["id"], recipient["number"], 2_500))
    with raw_connection(app) as db:
        _move_credit(db, entry, recipient["id"], mule["id"])
        with db.trigger_lifted("journal_entries", "journal_no_update"):
            db.execute("UPDATE journal_entries SET counterparty_account_id = ? WHERE id = ?", (mule["id"], entry["id"]))

    failed = _failed(services)  # the entry has no record of its own movement, and the record no entry
    assert sorted(failed) == ["journal_entries_audited", "money_audit_has_entries"]
    assert failed["journal_entries_audited"] == f"ids: {entry['id']}"


def test_a_reversal_posted_forwards_fails(app, api, client, services, teller, ledger):
    """A reversal whose two legs were turned round (the money sent again instead of back) still sums to zero."""
    alice, account, _, _ = ledger
    recipient = api.account(api.customer("Bob Builder")[1])
    entry = _created(api.transfer(alice, account["id"], recipient["number"], 2_500))
    reversal = _created(client.post(f"/api/v1/transactions/{entry['id']}/reverse", headers=teller[1]))
    with raw_connection(app) as db:
        legs = db.rows("SELECT id, account_id, amount_cents FROM postings WHERE entry_id = ?", (reversal["id"],))
        with db.trigger_lifted("postings", "postings_no_update"):
            for posting_id, account_id, amount in legs:
                after = _balance(db, account_id) - 2 * amount
                db.execute(
                    "UPDATE postings SET amount_cents = ?, balance_after_cents = ? WHERE id = ?",
                    (-amount, after, posting_id),
                )
                db.execute("UPDATE accounts SET balance_cents = ? WHERE id = ?", (after, account_id))

    assert _failed(services) == {"entries_balanced": f"ids: {reversal['id']}"}


def _entry(db, status: str) -> int:
    reason = "insufficient_funds" if status == "declined" else None
    return db.one(
        "INSERT INTO journal_entries (kind, status, amount_cents, currency, decline_reason, created_at)"
        " VALUES ('deposit', ?, 100, 'USD', ?, ?) RETURNING id",
        (status, reason, now_iso()),
    )


def _post(db, entry_id: int, account_id: int, amount: int) -> None:
    db.execute(
        "INSERT INTO postings (entry_id, account_id, amount_cents, balance_after_cents, created_at)"
        " VALUES (?, ?, ?, 0, ?)",
        (entry_id, account_id, amount, now_iso()),
    )


def test_the_database_refuses_a_third_posting_on_an_entry(app, ledger):
    _, account, savings, _ = ledger
    with raw_connection(app) as db:
        entry_id = _entry(db, "posted")
        _post(db, entry_id, account["id"], -100)
        _post(db, entry_id, savings["id"], 100)
        with pytest.raises(IntegrityViolation, match="exactly two postings"):
            _post(db, entry_id, savings["id"], 1)
        assert db.one("SELECT COUNT(*) FROM postings WHERE entry_id = ?", (entry_id,)) == 2


def test_the_database_refuses_a_posting_on_a_declined_entry(app, ledger):
    _, account, _, _ = ledger
    with raw_connection(app) as db:
        entry_id = _entry(db, "declined")
        with pytest.raises(IntegrityViolation, match="exactly two postings"):
            _post(db, entry_id, account["id"], 100)
        assert db.one("SELECT COUNT(*) FROM postings WHERE entry_id = ?", (entry_id,)) == 0
