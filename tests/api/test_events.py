"""Events (SPEC section 16): one written in the transaction of every change, read through GET /events."""

from __future__ import annotations

import json
import time

import pytest

from entities.users import Actor, Role
from services import ledger as ledger_module
from tests.api.helpers import assert_problem, raw_connection
from tests.conftest import PIN
from tests.support import databases


@pytest.fixture
def feed(client, services):
    """Every event the caller may see after ``after``, following next_cursor (each page sealed first:
    on PostgreSQL events get their ids from the sealer, after commit)."""

    def read(headers, after=0, **query):
        services.uow.seal()
        items = []
        while True:
            response = client.get("/api/v1/events", query_string={"after": after, **query}, headers=headers)
            assert response.status_code == 200, response.json
            items += response.json["items"]
            if response.json["next_cursor"] is None:
                return items
            after = response.json["next_cursor"]

    return read


def types_of(events):
    return [e["type"] for e in events]


def test_a_deposit_writes_its_event_with_the_entry_as_the_api_shows_it(api, client, admin, teller, feed):
    _, headers = api.customer()
    account = api.account(headers)
    response = api.deposit(teller[1], account["id"], 2_500)
    assert response.status_code == 201
    events = feed(admin[1])
    assert types_of(events) == ["account.opened", "deposit.posted"]
    posted = events[1]
    entry = client.get(f"/api/v1/transactions/{response.json['id']}", headers=admin[1]).json
    if databases.on_postgresql():  # the event is written in the deposit's transaction, before the sealer folds
        vault, own = entry["postings"]  # the vault's posting (README: hot rows), so it has no balance after yet
        assert (vault["amount_cents"], vault["balance_after_cents"]) == (-2_500, -2_500)
        entry = {**entry, "postings": [{**vault, "balance_after_cents": None}, own]}
    assert posted["data"] == entry
    assert posted["data"]["postings"][1] == {
        "account_id": account["id"],
        "amount_cents": 2_500,
        "balance_after_cents": 2_500,
    }
    assert set(posted) == {"id", "type", "created_at", "data"}
    assert events[0]["data"]["id"] == account["id"] and events[0]["data"]["status"] == "active"


def test_a_decline_has_its_event(api, client, admin, feed):
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    response = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 5_000, "pin": PIN}, headers=headers
    )
    body = assert_problem(response, 422, "insufficient_funds")
    declined = [e for e in feed(admin[1]) if e["type"] == "entry.declined"]
    assert len(declined) == 1
    assert declined[0]["data"]["id"] == body["entry_id"]
    assert (declined[0]["data"]["status"], declined[0]["data"]["decline_reason"]) == ("declined", "insufficient_funds")
    assert declined[0]["data"]["postings"] == []


def test_a_rolled_back_change_leaves_no_event(api, app, services, admin, feed, monkeypatch):
    user, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    before = feed(admin[1])

    def fail_after_everything_was_written(*args, **kwargs):
        raise RuntimeError("the process dies before COMMIT")

    monkeypatch.setattr(ledger_module.idempotency, "remember", fail_after_everything_was_written)
    customer = Actor(user_id=user["id"], role=Role.CUSTOMER)
    with pytest.raises(RuntimeError):
        services.ledger.deposit(customer, account["id"], 700)
    monkeypatch.undo()
    assert feed(admin[1]) == before
    assert api.get_account(headers, account["id"])["balance_cents"] == 1_000
    db = raw_connection(app)
    try:
        assert db.rows("SELECT COUNT(*) FROM events") == [(len(before),)]
    finally:
        db.close()


def test_every_kind_of_change_writes_its_own_type(short_lived, api, client, admin, teller, feed):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Dylan")
    account = api.funded_account(alice, 10_000)
    other, spare = api.account(bob), api.account(bob)
    start = feed(admin[1])[-1]["id"]
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=alice).json
    assert client.post(f"/api/v1/cards/{card['id']}/freeze", headers=alice).status_code == 200
    assert client.post(f"/api/v1/cards/{card['id']}/unfreeze", headers=alice).status_code == 200
    purchase = client.post(
        f"/api/v1/cards/{card['id']}/purchases",
        json={"amount_cents": 100, "merchant": "Cafe", "pin": PIN},
        headers=alice,
    )
    assert purchase.status_code == 201
    assert api.transfer(alice, account["id"], other["number"], 200).status_code == 201
    withdrawal = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 300, "pin": PIN}, headers=alice
    )
    assert withdrawal.status_code == 201
    reversal = client.post(f"/api/v1/transactions/{withdrawal.json['id']}/reverse", headers=teller[1])
    assert reversal.status_code == 201
    auth = lambda amount: client.post(  # noqa: E731
        f"/api/v1/cards/{card['id']}/authorizations",
        json={"amount_cents": amount, "merchant": "Hotel", "pin": PIN},
        headers=alice,
    )
    captured, voided, expiring = auth(400).json, auth(500).json, auth(600).json
    assert client.post(f"/api/v1/holds/{captured['id']}/capture", headers=alice).status_code == 201
    assert client.post(f"/api/v1/holds/{voided['id']}/void", headers=alice).status_code == 200
    time.sleep(1.05)  # HOLD_EXPIRY_SECONDS=1: the third authorisation expires, observed by the next write
    for wrong in ("0000", "0001", "0002"):
        client.post(
            f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 1, "pin": wrong}, headers=alice
        )
    assert client.post(f"/api/v1/accounts/{account['id']}/unlock", headers=teller[1]).status_code == 200
    assert client.post(f"/api/v1/accounts/{spare['id']}/freeze", headers=teller[1]).status_code == 200
    assert client.post(f"/api/v1/accounts/{spare['id']}/unfreeze", headers=teller[1]).status_code == 200
    assert client.post(f"/api/v1/accounts/{spare['id']}/close", headers=bob).status_code == 200
    events = feed(admin[1], after=start)
    assert types_of(events) == [
        "card.issued",
        "card.frozen",
        "card.unfrozen",
        "card_purchase.posted",
        "transfer.posted",
        "withdrawal.posted",
        "reversal.posted",
        "hold.created",
        "hold.created",
        "hold.created",
        "card_purchase.posted",
        "hold.captured",
        "hold.voided",
        "hold.expired",
        "account.locked",
        "account.unlocked",
        "account.frozen",
        "account.unfrozen",
        "account.closed",
    ]
    by_type = {e["type"]: e["data"] for e in events}
    assert by_type["hold.captured"]["status"] == "captured" and by_type["hold.captured"]["entry_id"] is not None
    assert by_type["hold.expired"] == {**by_type["hold.expired"], "id": expiring["id"], "status": "expired"}
    assert by_type["account.locked"]["pin_locked"] is True and by_type["account.unlocked"]["pin_locked"] is False
    assert by_type["account.closed"]["status"] == "closed"
    assert by_type["card.issued"] == client.get(f"/api/v1/accounts/{account['id']}/card", headers=alice).json | {
        "status": "active"
    }
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_no_event_holds_a_pan_cvv_pin_or_secret(api, client, admin, feed):
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    issued = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    client.post(
        f"/api/v1/cards/{issued['id']}/purchases",
        json={"amount_cents": 100, "merchant": "Cafe", "pin": PIN},
        headers=headers,
    )
    text = json.dumps(feed(admin[1]))
    assert issued["pan"] not in text and f'"{issued["cvv"]}"' not in text
    for name in ("pan_encrypted", "pin_hash", "pin_salt", '"pin"', '"cvv"', '"pan"', "secret"):
        assert name not in text


@pytest.fixture
def short_lived(app_config):
    app_config["HOLD_EXPIRY_SECONDS"] = 1
    return app_config


# -- visibility ----------------------------------------------------------------------------------


def test_both_sides_of_a_transfer_see_it_each_without_the_others_balance(api, admin, feed):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Dylan")
    _, carol = api.customer("Carol King")
    source = api.funded_account(alice, 5_000)
    target = api.funded_account(bob, 1_000)
    assert api.transfer(alice, source["id"], target["number"], 1_500).status_code == 201

    def transfer_postings(headers):
        found = [e for e in feed(headers) if e["type"] == "transfer.posted"]
        assert len(found) == 1
        return {p["account_id"]: p["balance_after_cents"] for p in found[0]["data"]["postings"]}

    assert transfer_postings(alice) == {source["id"]: 3_500, target["id"]: None}
    assert transfer_postings(bob) == {source["id"]: None, target["id"]: 2_500}
    assert transfer_postings(admin[1]) == {source["id"]: 3_500, target["id"]: 2_500}
    assert feed(carol) == []


def test_a_customer_sees_only_events_of_their_own_accounts(api, client, admin, feed):
    _, alice = api.customer()
    _, bob = api.customer()
    mine = api.funded_account(alice, 1_000)
    theirs = api.funded_account(bob, 1_000)
    declined = api.transfer(alice, mine["id"], theirs["number"], 99_999)
    assert declined.status_code == 422
    seen_by_bob = feed(bob)
    assert types_of(seen_by_bob) == ["account.opened", "deposit.posted"]  # not Alice's declined transfer to him
    assert {e["data"].get("id") for e in seen_by_bob if e["type"] == "account.opened"} == {theirs["id"]}
    assert types_of(feed(alice)) == ["account.opened", "deposit.posted", "entry.declined"]
    assert len(feed(admin[1])) == 5


def test_the_feed_needs_a_token(client):
    assert_problem(client.get("/api/v1/events"), 401, "unauthorized")


# -- paging --------------------------------------------------------------------------------------


def test_pages_follow_after_and_end_with_a_null_cursor(api, client, services, admin):
    _, headers = api.customer()
    account = api.account(headers)
    for _ in range(4):
        assert api.deposit(headers, account["id"], 100).status_code == 201
    services.uow.seal()
    first = client.get("/api/v1/events", query_string={"limit": 2}, headers=admin[1]).json
    assert types_of(first["items"]) == ["account.opened", "deposit.posted"]
    assert first["next_cursor"] == first["items"][-1]["id"]
    second = client.get(
        "/api/v1/events", query_string={"limit": 2, "after": first["next_cursor"]}, headers=admin[1]
    ).json
    assert types_of(second["items"]) == ["deposit.posted", "deposit.posted"]
    third = client.get(
        "/api/v1/events", query_string={"limit": 2, "after": second["next_cursor"]}, headers=admin[1]
    ).json
    assert (types_of(third["items"]), third["next_cursor"]) == (["deposit.posted"], None)
    end = client.get("/api/v1/events", query_string={"after": third["items"][-1]["id"]}, headers=admin[1]).json
    assert end == {"items": [], "next_cursor": None}


def test_type_filters_the_feed(api, services, client, admin):
    _, headers = api.customer()
    account = api.account(headers)
    api.deposit(headers, account["id"], 100)
    services.uow.seal()
    response = client.get("/api/v1/events", query_string={"type": "deposit.posted"}, headers=admin[1])
    assert types_of(response.json["items"]) == ["deposit.posted"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"type": "deposit.made"}, "type"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
    ],
)
def test_bad_feed_parameters_are_422(client, admin, query, field):
    body = assert_problem(client.get("/api/v1/events", query_string=query, headers=admin[1]), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == [field]
