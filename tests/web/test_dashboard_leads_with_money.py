"""Issue 14, item 14: the dashboard shows the total, quick actions, folds the open-account form once
there is an account, and shows a declined attempt quieter than a payment."""

from __future__ import annotations

import pytest

from entities.errors import InsufficientFunds
from tests.conftest import PIN


def test_the_total_and_quick_actions_lead_and_the_open_form_folds(web, client):
    user = web.customer("Alice Cooper")
    web.account(user, 123_45)
    web.account(user, 10_00, type="savings")
    html = client.get("/").get_data(as_text=True)
    assert '<p class="balance total-balance" id="total-balance">$133.45</p>' in html
    assert ">Send money</a>" in html and ">Move between accounts</a>" in html
    assert '<details class="open-account">' in html  # folded: there are accounts
    assert "Open another account" in html


def test_a_new_customer_sees_the_open_form_unfolded_and_no_total(web, client):
    web.customer("New Person")
    html = client.get("/").get_data(as_text=True)
    assert '<details class="open-account" open>' in html
    assert 'id="total-balance"' not in html


def test_a_declined_attempt_is_marked_quieter_than_a_payment(web, client):
    user = web.customer("Alice Cooper")
    account = web.account(user, 1_00)
    with pytest.raises(InsufficientFunds):  # the decline is recorded, then raised
        web.services.ledger.withdraw(web.actor(user), account.id, 5_00, PIN)
    html = client.get("/").get_data(as_text=True)
    assert html.count('class="activity-declined"') == 1
