"""Cancelling and replacing a card (issue 14): the owner or staff (staff on a customer's card say
why), a replacement's new number shown once, a cancelled card declined (recorded) wherever it is
used, what it authorised before still capturable, 404 for anyone else (audited), the events, and
two replaces racing giving exactly one new card."""

from __future__ import annotations

import json

import pytest

from entities.accounts import luhn_valid
from entities.cards import IssuedCard
from entities.errors import CardCancelled
from entities.users import Actor, Role
from services import webhook_targets
from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN
from tests.support.threads import race

CARD_KEYS = {"id", "account_id", "pan_last4", "masked_pan", "expiry_month", "expiry_year", "status", "created_at"}


@pytest.fixture
def holder(api, client):
    """(user, auth headers, funded account, issued card body) of a customer with a card."""
    user, headers = api.customer("Alice Cooper")
    account = api.funded_account(headers, 10_000)
    response = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers)
    assert response.status_code == 201
    return user, headers, account, response.json


def _cancel(client, headers, card_id, **body):
    return client.post(f"/api/v1/cards/{card_id}/cancel", json=body, headers=headers)


def _replace(client, headers, card_id, **body):
    return client.post(f"/api/v1/cards/{card_id}/replace", json=body, headers=headers)


def _purchase(client, headers, card_id, pin=PIN, amount_cents=1_000):
    body = {"amount_cents": amount_cents, "merchant": "Corner Coffee", "pin": pin}
    return client.post(f"/api/v1/cards/{card_id}/purchases", json=body, headers=headers)


def _authorize(client, headers, card_id, amount_cents=2_000):
    body = {"amount_cents": amount_cents, "merchant": "Hotel Astoria", "pin": PIN}
    return client.post(f"/api/v1/cards/{card_id}/authorizations", json=body, headers=headers)


def _current_card(client, headers, account_id):
    return client.get(f"/api/v1/accounts/{account_id}/card", headers=headers)


# -- cancel ------------------------------------------------------------------------------------------


def test_the_owner_cancels_their_card_without_a_reason(client, holder, audit):
    _, headers, account, card = holder
    response = client.post(f"/api/v1/cards/{card['id']}/cancel", headers=headers)  # no body at all
    assert response.status_code == 200
    assert set(response.json) == CARD_KEYS
    assert (response.json["id"], response.json["status"]) == (card["id"], "cancelled")
    assert_problem(_current_card(client, headers, account["id"]), 404, "not_found")  # no current card now
    [record] = audit(action="card.cancel")
    assert (record["outcome"], record["resource_id"]) == ("success", str(card["id"]))
    assert record["details"] == {"account_id": account["id"], "pan_last4": card["pan_last4"]}


def test_the_owners_reason_is_kept_in_the_audit_record(client, holder, audit):
    _, headers, _, card = holder
    assert _cancel(client, headers, card["id"], reason="  Lost on the train ").status_code == 200
    [record] = audit(action="card.cancel")
    assert record["details"]["reason"] == "Lost on the train"


def test_staff_cancelling_a_customers_card_must_say_why(client, holder, teller, audit):
    _, headers, account, card = holder
    refused = assert_problem(_cancel(client, teller[1], card["id"]), 422, "validation_error")
    assert [e["field"] for e in refused["errors"]] == ["reason"]
    blank = assert_problem(_cancel(client, teller[1], card["id"], reason="   "), 422, "validation_error")
    assert [e["field"] for e in blank["errors"]] == ["reason"]
    assert _current_card(client, headers, account["id"]).json["status"] == "active"
    response = _cancel(client, teller[1], card["id"], reason="Customer reported it stolen")
    assert (response.status_code, response.json["status"]) == (200, "cancelled")
    [record] = audit(action="card.cancel")
    assert (record["actor_id"], record["details"]["reason"]) == (teller[0].id, "Customer reported it stolen")


def test_staff_on_their_own_card_are_its_owner_and_need_no_reason(api, client, teller):
    _, headers = teller
    account = api.account(headers)
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    response = _cancel(client, headers, card["id"])
    assert (response.status_code, response.json["status"]) == (200, "cancelled")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x" * 141}, "reason"),
        ({"reason": "lost\tcard"}, "reason"),
        ({"reason": 7}, "reason"),
        ({"why": "lost"}, "why"),
    ],
)
def test_a_reason_follows_the_rule_of_every_reason(client, holder, body, field):
    _, headers, account, card = holder
    for call in (_cancel, _replace):
        refused = assert_problem(call(client, headers, card["id"], **body), 422, "validation_error")
        assert [e["field"] for e in refused["errors"]] == [field]
    assert _current_card(client, headers, account["id"]).json["id"] == card["id"]


def test_a_140_character_reason_is_accepted(client, holder, audit):
    _, headers, _, card = holder
    assert _cancel(client, headers, card["id"], reason="r" * 140).status_code == 200
    assert audit(action="card.cancel")[0]["details"]["reason"] == "r" * 140


def test_a_cancelled_card_cannot_be_frozen_unfrozen_cancelled_or_replaced(client, holder, audit):
    _, headers, account, card = holder
    assert _cancel(client, headers, card["id"]).status_code == 200
    for action in ("freeze", "unfreeze", "cancel", "replace"):
        assert_problem(client.post(f"/api/v1/cards/{card['id']}/{action}", headers=headers), 409, "card_cancelled")
    failures = audit(outcome="failure", resource_type="card")
    assert sorted(r["action"] for r in failures) == ["card.cancel", "card.freeze", "card.replace", "card.unfreeze"]
    assert {r["details"]["reason"] for r in failures} == {"card_cancelled"}
    assert_problem(_current_card(client, headers, account["id"]), 404, "not_found")  # nothing was issued


# -- a cancelled card is declined, and recorded ----------------------------------------------------------


def test_a_purchase_with_a_cancelled_card_is_409_recorded_and_its_pin_never_asked(api, client, holder, history):
    _, headers, account, card = holder
    assert _cancel(client, headers, card["id"]).status_code == 200
    answers = [_purchase(client, headers, card["id"], pin="9999") for _ in range(3)]  # wrong PINs, on purpose
    bodies = [assert_problem(r, 409, "card_cancelled") for r in answers]
    entry = client.get(f"/api/v1/transactions/{bodies[0]['entry_id']}", headers=headers).json
    assert (entry["kind"], entry["status"], entry["decline_reason"], entry["postings"]) == (
        "card_purchase",
        "declined",
        "card_cancelled",
        [],
    )
    declined = history(headers, account["id"], status="declined")
    assert [i["entry_id"] for i in declined] == [b["entry_id"] for b in reversed(bodies)]
    after = api.get_account(headers, account["id"])
    assert (after["balance_cents"], after["pin_locked"]) == (10_000, False)  # the card was refused, not the PIN


def test_an_authorisation_with_a_cancelled_card_is_409_recorded_and_holds_nothing(api, client, holder):
    _, headers, account, card = holder
    assert _cancel(client, headers, card["id"]).status_code == 200
    body = assert_problem(_authorize(client, headers, card["id"]), 409, "card_cancelled")
    entry = client.get(f"/api/v1/transactions/{body['entry_id']}", headers=headers).json
    assert (entry["kind"], entry["status"], entry["decline_reason"]) == ("card_purchase", "declined", "card_cancelled")
    assert client.get(f"/api/v1/accounts/{account['id']}/holds", headers=headers).json["items"] == []
    after = api.get_account(headers, account["id"])
    assert (after["balance_cents"], after["available_cents"], after["held_cents"]) == (10_000, 10_000, 0)


def test_what_a_card_authorised_before_its_cancel_can_still_be_captured_or_voided(api, client, holder):
    _, headers, account, card = holder
    to_capture = _authorize(client, headers, card["id"], 2_000).json
    to_void = _authorize(client, headers, card["id"], 3_000).json
    assert _cancel(client, headers, card["id"]).status_code == 200
    captured = client.post(f"/api/v1/holds/{to_capture['id']}/capture", json={}, headers=headers)
    assert (captured.status_code, captured.json["kind"], captured.json["hold_id"]) == (
        201,
        "card_purchase",
        to_capture["id"],
    )
    voided = client.post(f"/api/v1/holds/{to_void['id']}/void", headers=headers)
    assert (voided.status_code, voided.json["status"]) == (200, "voided")
    after = api.get_account(headers, account["id"])
    assert (after["balance_cents"], after["held_cents"]) == (8_000, 0)


# -- replace ---------------------------------------------------------------------------------------------


def test_replace_answers_the_new_card_once_and_cancels_the_old(client, holder, audit):
    _, headers, account, old = holder
    response = _replace(client, headers, old["id"], reason="Damaged chip")
    assert response.status_code == 201
    new = response.json
    assert set(new) == CARD_KEYS | {"pan", "cvv"}
    assert len(new["pan"]) == 16 and luhn_valid(new["pan"]) and new["pan"] != old["pan"]
    assert len(new["cvv"]) == 3 and new["cvv"].isdigit()
    assert (new["account_id"], new["status"], new["pan_last4"]) == (account["id"], "active", new["pan"][-4:])
    assert new["id"] != old["id"]
    assert "no-store" in response.headers["Cache-Control"]
    shown = _current_card(client, headers, account["id"])
    assert shown.json == {k: v for k, v in new.items() if k not in ("pan", "cvv")}  # masked from now on
    assert new["pan"] not in shown.get_data(as_text=True)
    assert_problem(client.post(f"/api/v1/cards/{old['id']}/freeze", headers=headers), 409, "card_cancelled")
    [replaced] = audit(action="card.replace")
    assert (replaced["resource_id"], replaced["details"]) == (
        str(old["id"]),
        {
            "account_id": account["id"],
            "pan_last4": old["pan_last4"],
            "replacement_card_id": new["id"],
            "reason": "Damaged chip",
        },
    )
    issued = [r for r in audit(action="card.issue") if r["resource_id"] == str(new["id"])]
    assert [r["details"] for r in issued] == [
        {"account_id": account["id"], "pan_last4": new["pan_last4"], "replaces_card_id": old["id"]}
    ]
    everything = json.dumps(audit())
    assert new["pan"] not in everything and old["pan"] not in everything and '"cvv"' not in everything


def test_after_a_replace_the_old_card_is_declined_and_the_new_one_pays(api, client, holder):
    _, headers, account, old = holder
    new = _replace(client, headers, old["id"]).json
    assert_problem(_purchase(client, headers, old["id"]), 409, "card_cancelled")
    paid = _purchase(client, headers, new["id"], amount_cents=2_500)
    assert (paid.status_code, paid.json["status"]) == (201, "posted")
    assert api.get_account(headers, account["id"])["balance_cents"] == 7_500


def test_a_frozen_card_is_replaced_by_an_active_one(client, holder):
    _, headers, _, old = holder
    assert client.post(f"/api/v1/cards/{old['id']}/freeze", headers=headers).status_code == 200
    response = _replace(client, headers, old["id"])
    assert (response.status_code, response.json["status"]) == (201, "active")


def test_staff_replacing_a_customers_card_must_say_why(client, holder, admin):
    _, headers, account, old = holder
    assert_problem(_replace(client, admin[1], old["id"]), 422, "validation_error")
    assert _current_card(client, headers, account["id"]).json["id"] == old["id"]
    response = _replace(client, admin[1], old["id"], reason="Customer at the counter: card worn out")
    assert response.status_code == 201 and response.json["pan"]


def test_replacing_needs_an_active_account(client, holder, teller, audit):
    _, headers, account, old = holder
    assert client.post(f"/api/v1/accounts/{account['id']}/freeze", headers=teller[1]).status_code == 200
    assert_problem(_replace(client, headers, old["id"]), 409, "account_unavailable")
    current = _current_card(client, headers, account["id"]).json
    assert (current["id"], current["status"]) == (old["id"], "active")
    [failure] = audit(action="card.replace")
    assert (failure["outcome"], failure["details"]["reason"]) == ("failure", "account_unavailable")
    # Cancelling stays possible on a frozen account: it only ever stops money.
    assert _cancel(client, headers, old["id"]).status_code == 200


# -- who may ---------------------------------------------------------------------------------------------


def test_another_customer_gets_404_and_the_denials_are_audited(api, client, holder, audit):
    _, headers, account, card = holder
    intruder, intruder_headers = api.customer("Mallory")
    answers = [
        _cancel(client, intruder_headers, card["id"], reason="mine now"),
        _replace(client, intruder_headers, card["id"]),
        _cancel(client, intruder_headers, 999_999),
    ]
    assert [(r.status_code, r.json["code"]) for r in answers] == [(404, "not_found")] * 3
    denied = audit(actor_id=intruder["id"], outcome="denied")
    assert sorted((r["action"], r["resource_id"]) for r in denied) == sorted(
        [("card.cancel", "999999"), ("card.cancel", str(card["id"])), ("card.replace", str(card["id"]))]
    )
    current = _current_card(client, headers, account["id"]).json
    assert (current["id"], current["status"]) == (card["id"], "active")


def test_the_endpoints_need_a_token(client, holder):
    card_id = holder[3]["id"]
    for action in ("cancel", "replace"):
        assert_problem(client.post(f"/api/v1/cards/{card_id}/{action}", json={}), 401, "unauthorized")


# -- events ----------------------------------------------------------------------------------------------


def _events(client, services, headers, **query):
    services.uow.seal()  # PostgreSQL: events are numbered by the sealer, after commit
    response = client.get("/api/v1/events", query_string={"limit": 200, **query}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_a_cancel_writes_card_cancelled_with_the_card_as_the_api_shows_it(client, services, holder):
    _, headers, _, card = holder
    cancelled = _cancel(client, headers, card["id"]).json
    [event] = _events(client, services, headers, type="card.cancelled")
    assert event["data"] == cancelled


def test_a_replace_writes_the_old_cards_cancel_then_the_new_cards_issue_without_secrets(client, services, holder):
    _, headers, _, old = holder
    new = _replace(client, headers, old["id"]).json
    events = [e for e in _events(client, services, headers) if e["type"].startswith("card.")]
    assert [(e["type"], e["data"]["id"], e["data"]["status"]) for e in events] == [
        ("card.issued", old["id"], "active"),
        ("card.cancelled", old["id"], "cancelled"),
        ("card.issued", new["id"], "active"),
    ]
    assert events[2]["data"] == {k: v for k, v in new.items() if k not in ("pan", "cvv")}
    text = json.dumps(events)
    assert new["pan"] not in text and old["pan"] not in text and '"cvv"' not in text and '"pan"' not in text


def test_a_webhook_may_subscribe_to_card_cancelled(client, admin, monkeypatch):
    monkeypatch.setattr(webhook_targets, "resolve", lambda host, port: ["93.184.215.14"])
    body = {"url": "https://hooks.example.com/cards", "events": ["card.cancelled", "card.issued"]}
    response = client.post("/api/v1/webhooks", json=body, headers=admin[1])
    assert (response.status_code, response.json["events"]) == (201, ["card.cancelled", "card.issued"])


# -- two replaces at once --------------------------------------------------------------------------------


def test_two_simultaneous_replaces_of_one_card_give_exactly_one_new_card(app, services, holder, audit):
    user, _, account, old = holder
    actor = Actor(user_id=user["id"], role=Role.CUSTOMER)
    for _ in range(3):  # a few rounds: each starts from the card the last round left
        current = services.cards.for_account(actor, account["id"])
        results = race(*[lambda: services.cards.replace(actor, current.id) for _ in range(2)])
        assert sorted(type(r).__name__ for r in results) == ["CardCancelled", "IssuedCard"], results
        issued = next(r for r in results if isinstance(r, IssuedCard))
        assert isinstance(next(r for r in results if r is not issued), CardCancelled)
        with raw_connection(app) as conn:
            rows = conn.rows("SELECT id, status FROM cards WHERE account_id = ? ORDER BY id", (account["id"],))
        live = [card_id for card_id, status in rows if status != "cancelled"]
        assert live == [issued.card.id]
    assert len(rows) == 4 and rows[0] == (old["id"], "cancelled")
    outcomes = sorted(r["outcome"] for r in audit(action="card.replace"))
    assert outcomes == ["failure"] * 3 + ["success"] * 3


# -- the document ----------------------------------------------------------------------------------------


def test_the_openapi_document_describes_cancel_and_replace(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    cancel = paths["/api/v1/cards/{card_id}/cancel"]["post"]
    replace = paths["/api/v1/cards/{card_id}/replace"]["post"]
    assert (cancel["operationId"], replace["operationId"]) == ("card_cancel", "card_replace")
    assert cancel["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Card"}
    assert replace["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/IssuedCard"
    }
    assert set(replace["responses"]["409"]["content"]["application/problem+json"]["examples"]) == {
        "card_cancelled",
        "account_unavailable",
    }
    assert cancel["requestBody"]["content"]["application/json"]["example"] == {"reason": "Card lost on the train"}
    for operation in ("purchases", "authorizations"):
        answers = paths[f"/api/v1/cards/{{card_id}}/{operation}"]["post"]["responses"]["409"]
        assert "card_cancelled" in answers["content"]["application/problem+json"]["examples"]
