"""Journal entries: posted entries balance to zero, declined entries post nothing."""

import pytest

from entities.accounts import Account, AccountType
from entities.ledger import EntryKind, EntryStatus, JournalEntry, Posting, UnbalancedEntry, declined, post_between


def _entry(status=EntryStatus.POSTED, postings=()):
    return JournalEntry(EntryKind.TRANSFER, status, 100, "USD", postings=list(postings))


def _account(account_id, balance=0, system=False):
    return Account(
        id=account_id,
        number=str(account_id),
        owner_id=None if system else 1,
        type=AccountType.SYSTEM if system else AccountType.CHECKING,
        currency="USD",
        balance_cents=balance,
        system_code="cash-vault" if system else None,
    )


def test_balanced_entry_passes():
    _entry(postings=[Posting(1, -100), Posting(2, 100)]).check_balanced()


def test_three_way_balanced_entry_passes():
    _entry(postings=[Posting(1, -100), Posting(2, 60), Posting(3, 40)]).check_balanced()


@pytest.mark.parametrize(
    "postings",
    [
        [],
        [Posting(1, 100)],
        [Posting(1, -100), Posting(2, 99)],
        [Posting(1, -100), Posting(2, 100), Posting(3, 1)],
        [Posting(1, 0), Posting(2, 0)],
        [Posting(1, -100), Posting(2, 100), Posting(3, 0)],
    ],
)
def test_unbalanced_or_degenerate_posted_entries_are_refused(postings):
    with pytest.raises(UnbalancedEntry):
        _entry(postings=postings).check_balanced()


def test_declined_entry_without_postings_passes():
    _entry(EntryStatus.DECLINED).check_balanced()


def test_declined_entry_with_postings_is_refused():
    with pytest.raises(UnbalancedEntry):
        _entry(EntryStatus.DECLINED, [Posting(1, -100), Posting(2, 100)]).check_balanced()


def test_post_between_moves_balances_and_records_balance_after():
    source, target = _account(1, balance=1_000), _account(2, balance=50)
    entry = post_between(
        EntryKind.TRANSFER, source, target, 300, memo="rent", account_id=1, counterparty_id=2, actor_id=9
    )
    assert (source.balance_cents, target.balance_cents) == (700, 350)
    assert [(p.account_id, p.amount_cents, p.balance_after_cents) for p in entry.postings] == [
        (1, -300, 700),
        (2, 300, 350),
    ]
    assert entry.status == EntryStatus.POSTED and entry.amount_cents == 300
    assert sum(p.amount_cents for p in entry.postings) == 0


def test_post_between_lets_a_system_account_go_negative():
    vault, account = _account(1, system=True), _account(2)
    post_between(EntryKind.DEPOSIT, vault, account, 500, memo=None, account_id=2, counterparty_id=None, actor_id=None)
    assert (vault.balance_cents, account.balance_cents) == (-500, 500)


def test_declined_builds_an_entry_with_a_reason_and_no_postings():
    entry = declined(
        EntryKind.WITHDRAWAL,
        900,
        "USD",
        "insufficient_funds",
        memo=None,
        account_id=1,
        counterparty_id=None,
        actor_id=3,
    )
    assert entry.status == EntryStatus.DECLINED
    assert entry.decline_reason == "insufficient_funds"
    assert entry.postings == []
    entry.check_balanced()
