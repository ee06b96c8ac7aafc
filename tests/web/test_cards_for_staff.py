"""Staff on a customer's cards (issue 14): /cards?owner_id=N shows that customer's accounts and cards,
named in the heading, with the same actions; every form carries owner_id back, so an HTMX swap and a
plain post's redirect return to the customer's view, never the staff member's own. A customer naming
someone else's owner_id gets the central 404, audited."""

from __future__ import annotations

import json
import re

import pytest

from entities.users import Actor, Role
from tests.conftest import PIN

_PAN_SHOWN = re.compile(r"data-pan>([0-9 ]+)</dd>")


@pytest.fixture
def alice(web):
    """A customer (not logged in) with a funded checking account and its card, and a savings account without one."""
    user = web.user("Alice Cooper")
    account = web.account(user, 20_000)
    savings = web.account(user, type="savings")
    card = web.services.cards.issue(web.actor(user), account.id).card
    return {"user": user, "account": account, "savings": savings, "card": card, "actor": web.actor(user)}


@pytest.fixture
def teller(web):
    """A logged-in teller who banks here too (their own account must never show on Alice's page)."""
    user = web.staff("teller")
    return {"user": user, "account": web.account(user)}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def _cards(web, account_id):
    return web.sql("SELECT id, status FROM cards WHERE account_id = ? ORDER BY id", account_id)


def _audit(web, **filters):
    return web.services.audit.list(Actor(role=Role.ADMIN), limit=200, **filters)


def _view(alice) -> str:
    return f"/cards?owner_id={alice['user'].id}"


def test_staff_see_the_customers_accounts_and_cards_under_the_customers_name(client, alice, teller):
    response = client.get(_view(alice))
    assert response.status_code == 200
    html = _text(response)
    assert re.search(r"<h1>Cards of Alice Cooper</h1>", html)
    assert f'href="/teller/customers/{alice["user"].id}"' in html
    assert f"···{alice['account'].number[-4:]}" in html and f"···{alice['savings'].number[-4:]}" in html
    assert f"•••• •••• •••• {alice['card'].pan_last4}" in html
    assert f"···{teller['account'].number[-4:]}" not in html  # the teller's own banking stays apart
    assert "Replace card…" in html and "Cancel card…" in html and "Freeze card" in html
    assert "Issue a debit card…" in html  # for the savings account
    assert "Authorise a payment" not in html  # the simulated terminal is the holder's, never staff's


def test_the_teller_customer_page_links_to_the_customers_cards(client, alice, teller):
    html = _text(client.get(f"/teller/customers/{alice['user'].id}"))
    assert f'href="/cards?owner_id={alice["user"].id}"' in html and "Cards of Alice Cooper" in html


def test_every_form_of_the_customers_view_carries_the_owner_id(web, client, alice, teller):
    web.services.holds.authorize(alice["actor"], alice["card"].id, 2_000, "Corner Coffee", PIN)
    html = _text(client.get(_view(alice)))
    main = html[html.index("<main") :]
    forms = re.findall(r"<form.*?</form>", main, flags=re.S)
    assert len(forms) >= 6  # freeze, replace, cancel, issue (savings), capture, void
    owner_field = f'<input type="hidden" name="owner_id" value="{alice["user"].id}">'
    assert [f[:80] for f in forms if owner_field not in f] == []
    assert f"/cards/{alice['card'].id}/authorizations?owner_id={alice['user'].id}" in html  # its refresh too


def test_a_freeze_over_htmx_swaps_the_customers_slot_and_names_the_customer(web, alice, teller):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/freeze", {"owner_id": alice["user"].id, "reason": "Fraud alert"}, htmx=True)
    assert response.status_code == 200
    html = _text(response)
    assert "Unfreeze card" in html and f'name="owner_id" value="{alice["user"].id}"' in html
    assert _toast(response).startswith(f"Alice Cooper’s card ending {card.pan_last4} is frozen")
    assert _cards(web, alice["account"].id) == [(card.id, "frozen")]


def test_a_plain_freeze_and_unfreeze_return_to_the_customers_cards(web, client, alice, teller):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/freeze", {"owner_id": alice["user"].id, "reason": "Fraud alert"})
    assert (response.status_code, response.headers["Location"]) == (303, _view(alice))
    page = _text(client.get(response.headers["Location"]))
    assert "Cards of Alice Cooper" in page and "is frozen" in page
    response = web.post(f"/cards/{card.id}/unfreeze", {"owner_id": alice["user"].id, "reason": "Cleared"})
    assert (response.status_code, response.headers["Location"]) == (303, _view(alice))


def test_a_staff_freeze_asks_for_a_reason_and_the_audit_record_keeps_it(web, alice, teller):
    card = alice["card"]
    page = _text(web.client.get(_view(alice)))
    assert f'id="freeze-{card.id}-reason"' in page and "Freeze card…" in page  # behind a confirmation
    refused = web.post(f"/cards/{card.id}/freeze", {"owner_id": alice["user"].id, "reason": " "}, htmx=True)
    assert refused.status_code == 422
    assert re.search(rf'id="freeze-{card.id}-reason-error">say why: the audit log keeps the reason<', _text(refused))
    assert _cards(web, alice["account"].id) == [(card.id, "active")]
    response = web.post(f"/cards/{card.id}/freeze", {"owner_id": alice["user"].id, "reason": "Fraud alert"}, htmx=True)
    assert response.status_code == 200 and _cards(web, alice["account"].id) == [(card.id, "frozen")]
    records = web.sql("SELECT actor_id, details FROM audit_log WHERE action = 'card.freeze' AND outcome = 'success'")
    assert [(actor, json.loads(details)["reason"]) for actor, details in records] == [
        (teller["user"].id, "Fraud alert")
    ]


def test_a_customer_freezes_their_own_card_in_one_step(web, alice):
    web.login(alice["user"])
    page = _text(web.client.get("/cards"))
    assert "Freeze card…" not in page and f'id="freeze-{alice["card"].id}-reason"' not in page
    response = web.post(f"/cards/{alice['card'].id}/freeze", {}, htmx=True)
    assert response.status_code == 200 and _cards(web, alice["account"].id) == [(alice["card"].id, "frozen")]


def test_a_staff_cancel_asks_for_a_reason_next_to_the_field(web, alice, teller):
    card = alice["card"]
    refused = web.post(f"/cards/{card.id}/cancel", {"owner_id": alice["user"].id, "reason": ""}, htmx=True)
    assert refused.status_code == 422
    html = _text(refused)
    assert re.search(rf'id="cancel-{card.id}-reason-error">say why: the audit log keeps the reason<', html)
    assert f'name="owner_id" value="{alice["user"].id}"' in html
    assert _cards(web, alice["account"].id) == [(card.id, "active")]
    response = web.post(
        f"/cards/{card.id}/cancel", {"owner_id": alice["user"].id, "reason": "Stolen, says the customer"}, htmx=True
    )
    assert response.status_code == 200
    html = _text(response)
    assert f"The card ending {card.pan_last4} is cancelled" in html and "Issue a debit card…" in html
    assert f'name="owner_id" value="{alice["user"].id}"' in html
    assert (
        _toast(response) == f"Alice Cooper’s card ending {card.pan_last4} is cancelled: payments with it are declined."
    )
    [record] = _audit(web, action="card.cancel")
    assert (record.actor_id, record.details["reason"]) == (teller["user"].id, "Stolen, says the customer")


def test_a_failed_plain_cancel_answers_the_customers_page_with_the_form_open(web, alice, teller):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/cancel", {"owner_id": alice["user"].id})
    assert response.status_code == 422
    html = _text(response)
    assert html.startswith("<!doctype html>") and "Cards of Alice Cooper" in html
    assert f'id="cancel-{card.id}-reason-error"' in html
    assert re.search(
        r'<details class="confirm" name="card-action-\d+" open>\s*<summary class="button button-danger">', html
    )


def test_a_plain_cancel_redirects_to_the_customers_cards(web, alice, teller):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/cancel", {"owner_id": alice["user"].id, "reason": "Lost"})
    assert (response.status_code, response.headers["Location"]) == (303, _view(alice))
    assert _cards(web, alice["account"].id) == [(card.id, "cancelled")]


def test_a_staff_replace_over_htmx_shows_the_new_number_once_in_the_customers_view(web, client, alice, teller):
    old = alice["card"]
    form = {"owner_id": alice["user"].id, "reason": "Card worn out"}
    response = web.post(f"/cards/{old.id}/replace", form, htmx=True)
    assert response.status_code == 201
    html = _text(response)
    shown = _PAN_SHOWN.search(html).group(1).replace(" ", "")
    [(old_id, old_status), (new_id, new_status)] = _cards(web, alice["account"].id)
    assert (old_id, old_status, new_status) == (old.id, "cancelled", "active")
    assert re.search(r"data-cvv>[0-9]{3}</dd>", html) and f"replaces the card ending {old.pan_last4}" in html
    assert f'name="owner_id" value="{alice["user"].id}"' in html
    assert _toast(response).startswith(f"Alice Cooper’s new card ending {shown[-4:]} is ready")
    later = _text(client.get(_view(alice)))
    assert shown not in later and "data-pan" not in later and f"•••• •••• •••• {shown[-4:]}" in later


def test_a_plain_staff_replace_answers_the_customers_page_with_the_number_once(web, client, alice, teller):
    response = web.post(f"/cards/{alice['card'].id}/replace", {"owner_id": alice["user"].id, "reason": "Lost"})
    assert response.status_code == 201
    html = _text(response)
    assert html.startswith("<!doctype html>") and "Cards of Alice Cooper" in html
    assert _PAN_SHOWN.search(html) and f"replaces the card ending {alice['card'].pan_last4}" in html


def test_a_staff_replace_without_a_reason_is_refused_next_to_its_field(web, alice, teller):
    card = alice["card"]
    response = web.post(f"/cards/{card.id}/replace", {"owner_id": alice["user"].id}, htmx=True)
    assert response.status_code == 422
    assert f'id="replace-{card.id}-reason-error"' in _text(response)
    assert _cards(web, alice["account"].id) == [(card.id, "active")]


def test_a_staff_issue_for_the_customer_stays_in_the_customers_view(web, client, alice, teller):
    savings = alice["savings"]
    response = web.post("/cards", {"account_id": savings.id, "owner_id": alice["user"].id}, htmx=True)
    assert response.status_code == 201
    html = _text(response)
    assert _PAN_SHOWN.search(html) and f'name="owner_id" value="{alice["user"].id}"' in html
    assert _toast(response).startswith("Alice Cooper’s card ending")
    plain = web.post("/cards", {"account_id": alice["account"].id, "owner_id": alice["user"].id})
    assert plain.status_code == 409  # the checking account has its card: said on the customer's page
    assert "Cards of Alice Cooper" in _text(plain) and "already has an active card" in _text(plain)


def test_staff_capture_and_void_return_to_the_customers_cards(web, client, alice, teller):
    holds = [web.services.holds.authorize(alice["actor"], alice["card"].id, c, "Hotel", PIN) for c in (2_000, 3_000)]
    html = _text(client.get(_view(alice)))
    assert html.count(f'name="next" value="{_view(alice)}"') == 4  # capture and void, for each
    back = {"owner_id": alice["user"].id, "next": _view(alice)}
    captured = web.post(f"/holds/{holds[0].id}/capture", {**back, "idempotency_key": "cap-staff"})
    assert (captured.status_code, captured.headers["Location"]) == (303, _view(alice))
    voided = web.post(f"/holds/{holds[1].id}/void", back)
    assert (voided.status_code, voided.headers["Location"]) == (303, _view(alice))
    statuses = web.sql("SELECT status FROM holds WHERE account_id = ? ORDER BY id", alice["account"].id)
    assert statuses == [("captured",), ("voided",)]


def test_a_failed_staff_capture_answers_the_customers_page(web, alice, teller):
    hold = web.services.holds.authorize(alice["actor"], alice["card"].id, 2_000, "Hotel", PIN)
    form = {"owner_id": alice["user"].id, "next": _view(alice), "amount": "99.00", "idempotency_key": "cap-x"}
    response = web.post(f"/holds/{hold.id}/capture", form)
    assert response.status_code == 422
    assert "Cards of Alice Cooper" in _text(response) and f'id="capture-{hold.id}-amount-error"' in _text(response)


def test_the_authorisations_fragment_of_a_customers_card_keeps_the_customers_view(web, client, alice, teller):
    web.services.holds.authorize(alice["actor"], alice["card"].id, 2_000, "Hotel", PIN)
    url = f"/cards/{alice['card'].id}/authorizations?owner_id={alice['user'].id}"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith("<section") and f'name="next" value="{_view(alice)}"' in html


def test_a_customer_naming_someone_elses_owner_id_gets_404_and_it_is_audited(web, client, alice):
    mallory = web.customer("Mallory")
    for headers in ({}, {"HX-Request": "true"}):
        assert client.get(_view(alice), headers=headers).status_code == 404
    denied = _audit(web, actor_id=mallory.id, outcome="denied", action="card.overview")
    assert [(r.resource_type, r.resource_id) for r in denied] == [("user", str(alice["user"].id))] * 2
    # A form post carrying Alice's owner_id acts on nothing of hers either
    assert web.post(f"/cards/{alice['card'].id}/cancel", {"owner_id": alice["user"].id}).status_code == 404
    assert _cards(web, alice["account"].id) == [(alice["card"].id, "active")]


def test_a_customers_own_owner_id_is_their_own_page(web, client):
    me = web.customer("Carol Customer")
    response = client.get(f"/cards?owner_id={me.id}")
    assert response.status_code == 200
    assert "<h1>Cards</h1>" in _text(response) and 'name="owner_id"' not in _text(response)


def test_an_unknown_user_is_404_and_a_malformed_owner_id_422_for_staff(client, teller):
    assert client.get("/cards?owner_id=999999").status_code == 404
    assert client.get("/cards?owner_id=abc").status_code == 422
    assert client.get("/cards?owner_id=%C2%B2").status_code == 422


def test_a_visitor_not_signed_in_goes_to_the_login_page_whatever_the_owner_id(client):
    for query in ("owner_id=abc", "owner_id=7", ""):
        response = client.get(f"/cards?{query}")
        assert (response.status_code, response.headers["Location"].split("?")[0]) == (303, "/login"), query


def test_a_capture_with_a_malformed_owner_id_is_refused_before_anything_is_taken(web, client, alice, teller):
    hold = web.services.holds.authorize(alice["actor"], alice["card"].id, 1_000, "Hotel", PIN)
    for htmx in (False, True):
        response = web.post(f"/holds/{hold.id}/capture", {"owner_id": "abc", "amount": "10.00"}, htmx=htmx)
        assert response.status_code == 422
    assert web.sql("SELECT status, captured_cents FROM holds WHERE id = ?", hold.id) == [("pending", 0)]
    assert web.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'card_purchase'") == [(0,)]


def test_a_plain_replace_shows_the_new_number_on_its_owners_page_whatever_owner_id_was_sent(web, client, alice):
    client.delete_cookie("corebank_session")
    bob = web.customer("Bob Builder")
    account = web.account(bob, 5_000)
    card = web.services.cards.issue(web.actor(bob), account.id).card
    response = web.post(f"/cards/{card.id}/replace", {"owner_id": alice["user"].id})
    assert response.status_code == 201
    html = _text(response)
    (shown,) = _PAN_SHOWN.findall(html)  # the one-time reveal is there, on Bob's own page
    [(new_id, _)] = [row for row in _cards(web, account.id) if row[1] == "active"]
    assert shown.replace(" ", "")[-4:] == web.sql("SELECT pan_last4 FROM cards WHERE id = ?", new_id)[0][0]
    assert "<h1>Cards</h1>" in html and "Alice Cooper" not in html
    cancelled = web.post(f"/cards/{new_id}/cancel", {"owner_id": alice["user"].id})
    assert (cancelled.status_code, cancelled.headers["Location"]) == (303, "/cards")  # his page, not hers


def test_staff_return_to_the_card_owners_page_whatever_owner_id_was_sent(web, client, alice, teller):
    other = web.user("Carol Customer")
    response = web.post(f"/cards/{alice['card'].id}/freeze", {"owner_id": other.id, "reason": "Fraud alert"})
    assert (response.status_code, response.headers["Location"]) == (303, _view(alice))
