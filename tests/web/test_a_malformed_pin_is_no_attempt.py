"""A blank or malformed PIN on a page is a mistake in the form, not a guess: it is refused on its
field (422, "must be 4 to 6 digits") and never counted toward the PIN lock, on the account page's
withdrawal, the transfer's confirmation, the teller's cash pay-out and the PIN change (the API
already answered such input with 422; the service now says so for every caller)."""

from __future__ import annotations

import pytest

from entities.errors import ValidationFailed

MALFORMED = ["", "12", "1234567", "12a4", "١٢٣٤"]  # blank, short, long, a letter, Arabic-Indic digits


@pytest.fixture
def alice(web):
    user = web.customer("Alice Cooper")
    return {"user": user, "checking": web.account(user, 10_000), "savings": web.account(user, type="savings")}


def _pin_state(web, account):
    return web.sql("SELECT pin_failures, pin_locked FROM accounts WHERE id = ?", account.id)[0]


def _failures_audited(web, account) -> int:
    return web.sql(
        "SELECT COUNT(*) FROM audit_log WHERE outcome = 'failure' AND resource_type = 'account' AND resource_id = ?",
        str(account.id),
    )[0][0]


def test_withdrawing_with_blank_pins_never_locks_the_account(web, alice):
    account = alice["checking"]
    before = web.snapshot()
    for pin in MALFORMED:
        response = web.post(f"/accounts/{account.id}/withdraw", {"amount": "5.00", "pin": pin}, htmx=True)
        assert response.status_code == 422, pin
        assert "must be 4 to 6 digits" in response.get_data(as_text=True)
    assert _pin_state(web, account) == (0, 0)
    assert _failures_audited(web, account) == 0
    assert web.snapshot() == before  # nothing moved, nothing recorded


def test_a_transfer_confirmed_with_a_blank_pin_is_refused_on_the_pin_field(web, alice):
    bob = web.account(web.user("Bob Builder"))
    for attempt in range(3):
        response = web.confirm_transfer(alice["checking"], bob, pin="", key=f"blank-{attempt}")
        assert response.status_code == 422
        assert "must be 4 to 6 digits" in response.get_data(as_text=True)
    assert _pin_state(web, alice["checking"]) == (0, 0)
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", bob.id) == [(0,)]


def test_a_teller_paying_out_without_the_pin_burns_no_attempt(web, client, alice):
    client.delete_cookie("corebank_session")
    web.staff("teller")
    account = alice["checking"]
    for _ in range(3):
        response = web.post(
            f"/teller/customers/{alice['user'].id}/cash",
            {"account_id": account.id, "amount": "5.00", "op": "withdraw", "pin": ""},
            htmx=True,
        )
        assert response.status_code == 422
    assert _pin_state(web, account) == (0, 0)
    assert web.sql("SELECT balance_cents FROM accounts WHERE id = ?", account.id) == [(10_000,)]


def test_the_service_refuses_a_malformed_pin_before_any_transaction(web, alice):
    actor, account = web.actor(alice["user"]), alice["checking"]
    for pin in MALFORMED:
        with pytest.raises(ValidationFailed) as refused:
            web.services.ledger.withdraw(actor, account.id, 500, pin)
        assert refused.value.errors == [{"field": "pin", "message": "must be 4 to 6 digits"}]
        with pytest.raises(ValidationFailed):
            web.services.accounts.change_pin(actor, account.id, pin, "4321")
    assert _pin_state(web, account) == (0, 0)
