"""Replacing and cancelling one's own card on /cards (issue 14): behind a confirmation, the new number
shown once after a replace, HTMX swaps and plain posts both working, toasts in words, and what a
cancelled card authorised before still listed where it can be captured."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import PIN

_PAN_SHOWN = re.compile(r"data-pan>([0-9 ]+)</dd>")


@pytest.fixture
def alice(web):
    """A logged-in customer with $200.00 and a debit card."""
    user = web.customer("Alice Cooper")
    account = web.account(user, 20_000)
    card = web.services.cards.issue(web.actor(user), account.id).card
    return {"user": user, "account": account, "card": card, "actor": web.actor(user)}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def _cards(web, account_id):
    return web.sql("SELECT id, status FROM cards WHERE account_id = ? ORDER BY id", account_id)


def test_replace_and_cancel_are_confirmation_steps_with_an_optional_reason(client, alice):
    html = _text(client.get("/cards"))
    card_id = alice["card"].id
    assert html.count(f'<details class="confirm" name="card-action-{card_id}">') == 2  # one open at a time
    assert "Replace card…" in html and "Cancel card…" in html and "Keep this card" in html
    assert f'<label for="replace-{card_id}-reason">Reason for replacing (optional)</label>' in html
    reason_inputs = re.findall(r'<input id="(?:replace|cancel)-\d+-reason"[^>]*>', html)
    assert len(reason_inputs) == 2 and not any(" required" in tag for tag in reason_inputs)


def test_replacing_over_htmx_shows_the_new_number_once_and_cancels_the_old_card(web, client, alice):
    old = alice["card"]
    response = web.post(f"/cards/{old.id}/replace", {"reason": "Chip broken"}, htmx=True)
    assert response.status_code == 201
    html = _text(response)
    assert html.lstrip().startswith("<section") and "<html" not in html
    shown = _PAN_SHOWN.search(html).group(1).replace(" ", "")
    assert len(shown) == 16 and re.search(r"data-cvv>[0-9]{3}</dd>", html)
    assert f"It replaces the card ending {old.pan_last4}, which is cancelled" in html
    [(_, old_status), (_, new_status)] = _cards(web, alice["account"].id)
    assert (old_status, new_status) == ("cancelled", "active")
    assert _toast(response) == (
        f"Your new card ending {shown[-4:]} is ready and the card ending {old.pan_last4} is cancelled. "
        "Note the new number now: it is shown only once."
    )
    assert response.headers["Cache-Control"] == "no-store"
    later = _text(client.get("/cards"))
    assert shown not in later and "data-pan" not in later and f"•••• •••• •••• {shown[-4:]}" in later


def test_replacing_without_javascript_answers_the_page_with_the_new_number(web, client, alice):
    response = web.post(f"/cards/{alice['card'].id}/replace", {"reason": ""})
    assert response.status_code == 201
    html = _text(response)
    assert html.startswith("<!doctype html>") and _PAN_SHOWN.search(html)
    assert f"It replaces the card ending {alice['card'].pan_last4}" in html


def test_cancelling_over_htmx_swaps_the_slot_and_offers_a_new_card(web, alice):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/cancel", {"reason": ""}, htmx=True)
    assert response.status_code == 200
    html = _text(response)
    assert f"The card ending {card.pan_last4} is cancelled: payments with it are declined." in html
    assert "No card on this account." in html and "Issue a debit card…" in html
    assert _toast(response) == f"Your card ending {card.pan_last4} is cancelled: payments with it are declined."
    assert _cards(web, alice["account"].id) == [(card.id, "cancelled")]


def test_cancelling_without_javascript_redirects_back_with_a_message(web, client, alice):
    response = web.post(f"/cards/{alice['card'].id}/cancel", {"reason": "Lost it"})
    assert (response.status_code, response.headers["Location"]) == (303, "/cards")
    html = _text(client.get("/cards"))
    assert "is cancelled: payments with it are declined" in html and "Issue a debit card…" in html


def test_a_reason_that_breaks_the_text_rule_is_shown_next_to_its_field(web, alice):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/cancel", {"reason": "x" * 141}, htmx=True)
    assert response.status_code == 422
    assert re.search(rf'id="cancel-{card.id}-reason-error">at most 140 characters<', _text(response))
    assert _cards(web, alice["account"].id) == [(card.id, "active")]


def test_freezing_a_card_cancelled_in_another_tab_says_so(web, alice):
    card = alice["card"]
    web.services.cards.cancel(alice["actor"], card.id)
    response = web.post(f"/cards/{card.id}/freeze", htmx=True)
    assert response.status_code == 409
    assert _toast(response) == "This card is cancelled: it can no longer be used"
    assert _cards(web, alice["account"].id) == [(card.id, "cancelled")]


def test_a_cancelled_cards_pending_payment_is_listed_under_the_new_card_and_can_be_captured(web, client, alice):
    hold = web.services.holds.authorize(alice["actor"], alice["card"].id, 2_000, "Hotel Astoria", PIN)
    new = web.services.cards.replace(alice["actor"], alice["card"].id).card
    html = _text(client.get("/cards"))
    listed = html[html.index(f'id="authorizations-{new.id}"') :]
    assert "Hotel Astoria" in listed and "with a cancelled card" in listed and f'id="capture-{hold.id}"' in listed
    response = web.post(f"/holds/{hold.id}/capture", {"idempotency_key": "cap-old-card"}, htmx=True)
    assert response.status_code == 200
    assert _toast(response) == "Captured $20.00 at Hotel Astoria."


def test_a_cancelled_card_without_a_successor_points_to_its_pending_payments(web, client, alice):
    web.services.holds.authorize(alice["actor"], alice["card"].id, 2_000, "Hotel Astoria", PIN)
    web.services.cards.cancel(alice["actor"], alice["card"].id)
    html = _text(client.get("/cards"))
    assert "1 payment authorised with a cancelled card is still pending" in html
    assert f'href="/accounts/{alice["account"].id}">See the pending payments on the account page</a>' in html
