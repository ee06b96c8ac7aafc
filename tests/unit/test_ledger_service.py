"""LedgerService in-process: postings, declines, idempotency, reversal, audit in the same transaction."""

import pytest

from entities.errors import (
    AccountUnavailable,
    AlreadyReversed,
    CurrencyMismatch,
    Forbidden,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidPin,
    NotFound,
    NotReversible,
    SameAccount,
    ValidationFailed,
)
from entities.ledger import EntryKind, EntryStatus
from entities.users import Role
from services.idempotency import IdempotentRequest, Replayed
from tests.unit.conftest import PIN


def _idem(key="key-1", fingerprint="fp-1"):
    def render(entry, error):
        if error is not None:
            return 422, {"code": error.code, "entry_id": error.extra.get("entry_id")}
        return 201, {"id": entry.id, "amount_cents": entry.amount_cents}

    return IdempotentRequest(key=key, fingerprint=fingerprint, render=render)


def test_deposit_posts_against_the_cash_vault(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    entry = services.ledger.deposit(actor, account.id, 1_500, "cash")
    assert (entry.kind, entry.status, entry.amount_cents) == (EntryKind.DEPOSIT, EntryStatus.POSTED, 1_500)
    assert sum(p.amount_cents for p in entry.postings) == 0
    credit = next(p for p in entry.postings if p.account_id == account.id)
    assert (credit.amount_cents, credit.balance_after_cents) == (1_500, 1_500)
    assert bank.balance(actor, account.id) == 1_500


def test_money_movement_is_audited_with_the_entry(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    entry = services.ledger.deposit(actor, account.id, 700)
    [audit] = bank.audit(action="deposit", resource_id=str(entry.id))
    assert (audit.actor_id, audit.outcome, audit.details["amount_cents"]) == (actor.user_id, "success", 700)
    assert audit.request_id == actor.request_id


def test_withdrawal_over_the_balance_is_declined_and_recorded(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 1_000)
    with pytest.raises(InsufficientFunds) as caught:
        services.ledger.withdraw(actor, account.id, 1_001, PIN)
    declined = services.ledger.get_entry(actor, caught.value.extra["entry_id"])
    assert (declined.status, declined.decline_reason, declined.postings) == (
        EntryStatus.DECLINED,
        "insufficient_funds",
        [],
    )
    assert bank.balance(actor, account.id) == 1_000
    assert [r.outcome for r in bank.audit(action="withdrawal")] == ["declined"]


def test_withdrawal_with_a_wrong_pin_is_not_a_ledger_entry(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 1_000)
    with pytest.raises(InvalidPin) as caught:
        services.ledger.withdraw(actor, account.id, 100, "9999")
    assert caught.value.extra == {"attempts_remaining": 2}
    items, _ = services.ledger.history(actor, account.id)
    assert [i.kind for i in items] == ["deposit"]


def test_transfer_validation_errors_are_not_recorded(services, bank):
    actor = bank.actor()
    source = bank.account(actor, 1_000)
    euros = bank.account(actor, currency="EUR")
    with pytest.raises(SameAccount):
        services.ledger.transfer(actor, source.id, source.number, 100, PIN)
    with pytest.raises(CurrencyMismatch):
        services.ledger.transfer(actor, source.id, euros.number, 100, PIN)
    with pytest.raises(ValidationFailed):
        services.ledger.transfer(actor, source.id, "0000000000", 100, PIN)
    items, _ = services.ledger.history(actor, source.id)
    assert [i.kind for i in items] == ["deposit"]


def test_transfer_from_someone_elses_account_is_not_found_and_audited(services, bank):
    owner, thief = bank.actor(), bank.actor()
    source = bank.account(owner, 1_000)
    target = bank.account(thief)
    with pytest.raises(NotFound):
        services.ledger.transfer(thief, source.id, target.number, 1_000, PIN)
    assert bank.balance(owner, source.id) == 1_000
    [denied] = bank.audit(actor_id=thief.user_id, outcome="denied")
    assert (denied.action, denied.resource_type, denied.resource_id) == ("transfer", "account", str(source.id))


def test_frozen_target_declines_the_transfer(services, bank):
    actor, teller = bank.actor(), bank.actor(Role.TELLER)
    source, target = bank.account(actor, 1_000), bank.account(actor)
    services.accounts.freeze(teller, target.id)
    with pytest.raises(AccountUnavailable):
        services.ledger.transfer(actor, source.id, target.number, 100, PIN)
    assert bank.balance(actor, source.id) == 1_000


def test_idempotent_deposit_moves_money_once_and_replays(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    first = services.ledger.deposit(actor, account.id, 400, None, _idem())
    again = services.ledger.deposit(actor, account.id, 400, None, _idem())
    assert again == Replayed(201, {"id": first.id, "amount_cents": 400})
    assert bank.balance(actor, account.id) == 400


def test_idempotency_key_with_another_fingerprint_is_refused(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    services.ledger.deposit(actor, account.id, 400, None, _idem())
    with pytest.raises(IdempotencyKeyReused):
        services.ledger.deposit(actor, account.id, 500, None, _idem(fingerprint="fp-2"))
    assert bank.balance(actor, account.id) == 400


def test_idempotency_keys_are_per_user(services, bank):
    alice, bob = bank.actor(), bank.actor()
    a_account, b_account = bank.account(alice), bank.account(bob)
    services.ledger.deposit(alice, a_account.id, 100, None, _idem())
    entry = services.ledger.deposit(bob, b_account.id, 100, None, _idem(fingerprint="fp-other"))
    assert not isinstance(entry, Replayed)
    assert bank.balance(bob, b_account.id) == 100


def test_a_declined_operation_is_remembered_and_replayed(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 100)
    with pytest.raises(InsufficientFunds) as caught:
        services.ledger.withdraw(actor, account.id, 500, PIN, None, _idem())
    replay = services.ledger.withdraw(actor, account.id, 500, PIN, None, _idem())
    assert replay == Replayed(422, {"code": "insufficient_funds", "entry_id": caught.value.extra["entry_id"]})


def test_reversal_restores_balances_once(services, bank):
    actor, teller = bank.actor(), bank.actor(Role.TELLER)
    source, target = bank.account(actor, 1_000), bank.account(actor)
    transfer = services.ledger.transfer(actor, source.id, target.number, 300, PIN)
    reversal = services.ledger.reverse(teller, transfer.id, "mistake")
    assert (reversal.kind, reversal.reverses_entry_id) == (EntryKind.REVERSAL, transfer.id)
    assert reversal.memo == f"Reversal of #{transfer.id}: mistake"
    assert (bank.balance(actor, source.id), bank.balance(actor, target.id)) == (1_000, 0)
    with pytest.raises(AlreadyReversed):
        services.ledger.reverse(teller, transfer.id)
    with pytest.raises(NotReversible):
        services.ledger.reverse(teller, reversal.id)


def test_customers_cannot_reverse(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    entry = services.ledger.deposit(actor, account.id, 100)
    with pytest.raises(Forbidden):
        services.ledger.reverse(actor, entry.id)
    assert bank.balance(actor, account.id) == 100


def test_verification_passes_after_mixed_activity(services, bank):
    actor, teller = bank.actor(), bank.actor(Role.TELLER)
    source, target = bank.account(actor, 5_000), bank.account(actor)
    services.ledger.withdraw(actor, source.id, 1_000, PIN)
    entry = services.ledger.transfer(actor, source.id, target.number, 1_500, PIN)
    services.ledger.reverse(teller, entry.id)
    with pytest.raises(InsufficientFunds):
        services.ledger.withdraw(actor, target.id, 1, PIN)
    checks = services.verification.run()
    assert {c.name: c.passed for c in checks} == {
        "ledger_sums_to_zero": True,
        "entries_balanced": True,
        "balances_match_postings": True,
        "no_negative_balances": True,
        "holds_match_reservations": True,
        "captures_match_entries": True,
        "holds_audited": True,
        "approvals_executed": True,
        "audit_chain_intact": True,
        "audit_all_sealed": True,
        "journal_entries_audited": True,
        "money_audit_has_entries": True,
        "append_only_triggers_present": True,
    }
