"""CardService in-process: issue, masking in the audit log, permissions, freeze, purchases, rotation."""

import pytest
from cryptography.fernet import Fernet

from entities.accounts import luhn_valid
from entities.cards import CardStatus
from entities.errors import (
    AccountLocked,
    AccountUnavailable,
    CardExists,
    CardFrozen,
    Forbidden,
    InsufficientFunds,
    InvalidPin,
    NotFound,
    ValidationFailed,
)
from entities.ledger import EntryKind, EntryStatus
from entities.users import Actor, Role
from services.cards import CardCipher, UndecryptableCard
from services.idempotency import IdempotentRequest, Replayed
from tests.unit.conftest import PIN


def test_issue_returns_the_secrets_once_and_stores_only_the_pan_encrypted(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    issued = services.cards.issue(actor, account.id)
    assert len(issued.pan) == 16 and luhn_valid(issued.pan) and len(issued.cvv) == 3
    stored = services.cards.for_account(actor, account.id)
    assert (stored.id, stored.pan_last4, stored.status) == (issued.card.id, issued.pan[-4:], CardStatus.ACTIVE)
    assert issued.pan not in stored.pan_encrypted and stored.pan_encrypted.startswith("gAAAA")
    assert services.cards.cipher.decrypt(stored.pan_encrypted) == issued.pan
    assert not hasattr(stored, "cvv_encrypted")  # the CVV is never stored, not even encrypted


def test_issue_is_audited_with_the_last_four_digits_only(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    issued = services.cards.issue(actor, account.id)
    [audit] = bank.audit(action="card.issue")
    assert (audit.outcome, audit.resource_id, audit.details) == (
        "success",
        str(issued.card.id),
        {"account_id": account.id, "pan_last4": issued.pan[-4:]},
    )


def test_a_second_card_is_refused_and_audited(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    first = services.cards.issue(actor, account.id)
    with pytest.raises(CardExists):
        services.cards.issue(actor, account.id)
    assert services.cards.for_account(actor, account.id).id == first.card.id
    assert [a.outcome for a in bank.audit(action="card.issue")] == ["failure", "success"]


def test_a_frozen_card_still_counts_as_the_account_card(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    services.cards.freeze(actor, services.cards.issue(actor, account.id).card.id)
    with pytest.raises(CardExists):
        services.cards.issue(actor, account.id)


def test_a_closed_account_gets_no_card(services, bank):
    actor = bank.actor()
    account = bank.account(actor)
    services.accounts.close(actor, account.id)
    with pytest.raises(AccountUnavailable):
        services.cards.issue(actor, account.id)


def test_another_customers_account_and_card_are_hidden_and_the_denials_audited(services, bank):
    owner, other = bank.actor(), bank.actor()
    account = bank.account(owner, 5_000)
    card = services.cards.issue(owner, account.id).card
    calls = [
        lambda: services.cards.issue(other, account.id),
        lambda: services.cards.for_account(other, account.id),
        lambda: services.cards.freeze(other, card.id),
        lambda: services.cards.unfreeze(other, card.id),
        lambda: services.cards.purchase(other, card.id, 100, "Shop", PIN),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    denied = {(a.action, a.resource_id) for a in bank.audit(actor_id=other.user_id, outcome="denied")}
    assert denied == {
        ("card.issue", str(account.id)),
        ("card.read", str(account.id)),
        ("card.freeze", str(card.id)),
        ("card.unfreeze", str(card.id)),
        ("card_purchase", str(card.id)),
    }
    assert services.cards.for_account(owner, account.id).status == CardStatus.ACTIVE
    assert bank.balance(owner, account.id) == 5_000


def test_staff_may_freeze_and_unfreeze_a_customers_card(services, bank):
    owner, teller = bank.actor(), bank.actor(Role.TELLER)
    card = services.cards.issue(owner, bank.account(owner).id).card
    assert services.cards.freeze(teller, card.id).status == CardStatus.FROZEN
    assert services.cards.unfreeze(teller, card.id).status == CardStatus.ACTIVE
    assert [a.action for a in bank.audit(actor_id=teller.user_id)] == ["card.unfreeze", "card.freeze"]


def test_a_purchase_posts_against_card_settlement_and_audits_the_card(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 10_000)
    card = services.cards.issue(actor, account.id).card
    entry = services.cards.purchase(actor, card.id, 2_550, "  Corner Coffee ", PIN)
    assert (entry.kind, entry.status, entry.memo) == (EntryKind.CARD_PURCHASE, EntryStatus.POSTED, "Corner Coffee")
    assert bank.balance(actor, account.id) == 7_450
    with services.uow(write=False) as uow:
        settlement = uow.accounts.system("card-settlement", "USD")
    assert {p.account_id: p.amount_cents for p in entry.postings} == {account.id: -2_550, settlement.id: 2_550}
    [audit] = bank.audit(action="card_purchase")
    assert (audit.outcome, audit.details["card_id"], audit.details["amount_cents"]) == ("success", card.id, 2_550)


def test_a_frozen_card_is_declined_recorded_and_its_pin_not_checked(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 10_000)
    card = services.cards.freeze(actor, services.cards.issue(actor, account.id).card.id)
    with pytest.raises(CardFrozen) as caught:
        services.cards.purchase(actor, card.id, 1_000, "Shop", "9999")
    entry = services.ledger.get_entry(actor, caught.value.extra["entry_id"])
    assert (entry.kind, entry.status, entry.decline_reason, entry.postings) == (
        EntryKind.CARD_PURCHASE,
        EntryStatus.DECLINED,
        "card_frozen",
        [],
    )
    assert bank.balance(actor, account.id) == 10_000
    assert services.accounts.get(actor, account.id).pin_failures == 0
    [audit] = bank.audit(action="card_purchase")
    assert (audit.outcome, audit.details["reason"], audit.details["card_id"]) == ("declined", "card_frozen", card.id)


def test_insufficient_funds_and_a_frozen_account_are_declined_and_recorded(services, bank):
    actor, teller = bank.actor(), bank.actor(Role.TELLER)
    account = bank.account(actor, 1_000)
    card = services.cards.issue(actor, account.id).card
    with pytest.raises(InsufficientFunds):
        services.cards.purchase(actor, card.id, 1_001, "Shop", PIN)
    services.accounts.freeze(teller, account.id)
    with pytest.raises(AccountUnavailable):
        services.cards.purchase(actor, card.id, 10, "Shop", PIN)
    reasons = [a.details["reason"] for a in bank.audit(action="card_purchase", outcome="declined")]
    assert reasons == ["account_unavailable", "insufficient_funds"]
    assert bank.balance(actor, account.id) == 1_000


def test_three_wrong_pins_lock_the_account_then_purchases_are_declined(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 10_000)
    card = services.cards.issue(actor, account.id).card
    remaining = []
    for _ in range(3):
        with pytest.raises(InvalidPin) as caught:
            services.cards.purchase(actor, card.id, 100, "Shop", "0000")
        remaining.append(caught.value.extra["attempts_remaining"])
    assert remaining == [2, 1, 0]
    assert services.accounts.get(actor, account.id).pin_locked is True
    with pytest.raises(AccountLocked) as caught:
        services.cards.purchase(actor, card.id, 100, "Shop", PIN)
    assert services.ledger.get_entry(actor, caught.value.extra["entry_id"]).decline_reason == "account_locked"
    assert bank.balance(actor, account.id) == 10_000


def test_a_purchase_with_an_idempotency_key_is_charged_once(services, bank):
    actor = bank.actor()
    account = bank.account(actor, 10_000)
    card = services.cards.issue(actor, account.id).card
    idem = IdempotentRequest("key-1", "fp-1", lambda entry, error: (201, {"id": entry.id}))
    first = services.cards.purchase(actor, card.id, 300, "Shop", PIN, idem)
    again = services.cards.purchase(actor, card.id, 300, "Shop", PIN, idem)
    assert again == Replayed(201, {"id": first.id})
    assert bank.balance(actor, account.id) == 9_700


@pytest.mark.parametrize(
    ("amount", "merchant", "pin", "field"),
    [
        (0, "Shop", PIN, "amount_cents"),
        (100, "", PIN, "merchant"),
        (100, "x" * 101, PIN, "merchant"),
        (100, "S", "12", "pin"),
    ],
)
def test_invalid_purchase_input_is_refused_before_anything_is_recorded(services, bank, amount, merchant, pin, field):
    actor = bank.actor()
    card = services.cards.issue(actor, bank.account(actor, 1_000).id).card
    with pytest.raises(ValidationFailed) as caught:
        services.cards.purchase(actor, card.id, amount, merchant, pin)
    assert caught.value.errors[0]["field"] == field
    assert bank.audit(action="card_purchase") == []


def test_overview_lists_my_accounts_with_their_cards(services, bank):
    actor = bank.actor()
    with_card, without_card = bank.account(actor), bank.account(actor, type="savings")
    card = services.cards.issue(actor, with_card.id).card
    overview = services.cards.overview(actor)
    assert [(a.id, c.id if c else None) for a, c in overview] == [(with_card.id, card.id), (without_card.id, None)]


def test_only_an_admin_rotates_the_card_keys(services, bank):
    with pytest.raises(Forbidden):
        services.cards.rotate_keys(bank.actor(Role.TELLER))
    assert services.cards.rotate_keys(Actor(role=Role.ADMIN)) == 0


def test_rotation_stops_on_a_card_no_key_can_read(services, bank, monkeypatch):
    actor = bank.actor()
    services.cards.issue(actor, bank.account(actor).id)
    monkeypatch.setattr(services.cards, "_cipher", CardCipher((Fernet.generate_key().decode(),)))
    with pytest.raises(UndecryptableCard):
        services.cards.rotate_keys(Actor(role=Role.ADMIN))


def test_a_cipher_needs_at_least_one_key():
    with pytest.raises(ValueError):
        CardCipher(())
