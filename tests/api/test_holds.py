"""Holds and card authorisations over the API (SPEC section 13): authorise, capture (full and
partial), void, expiry, staff holds, who may do what, idempotency, and the available balance."""

import time

import pytest

from tests.conftest import PIN

HOLD_KEYS = {
    "id",
    "account_id",
    "card_id",
    "kind",
    "amount_cents",
    "captured_cents",
    "status",
    "merchant",
    "reason",
    "expires_at",
    "created_at",
    "entry_id",
}


@pytest.fixture
def holder(api, client):
    """(auth headers, account, card) of a customer with $100.00 and a card."""
    _, headers = api.customer()
    account = api.funded_account(headers, 10_000)
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=headers).json
    return headers, account, card


def authorize(client, headers, card_id, amount_cents=2_500, merchant="Hotel Adria", pin=PIN, **extra):
    return client.post(
        f"/api/v1/cards/{card_id}/authorizations",
        json={"amount_cents": amount_cents, "merchant": merchant, "pin": pin},
        headers={**headers, **extra},
    )


def capture(client, headers, hold_id, amount_cents=None, **extra):
    body = {} if amount_cents is None else {"amount_cents": amount_cents}
    return client.post(f"/api/v1/holds/{hold_id}/capture", json=body, headers={**headers, **extra})


def void(client, headers, hold_id):
    return client.post(f"/api/v1/holds/{hold_id}/void", headers=headers)


def staff_hold(client, headers, account_id, amount_cents=1_000, reason="Court order 17/2026", **extra):
    return client.post(
        f"/api/v1/accounts/{account_id}/holds",
        json={"amount_cents": amount_cents, "reason": reason, **extra},
        headers=headers,
    )


def funds(api, headers, account_id):
    account = api.get_account(headers, account_id)
    return account["balance_cents"], account["held_cents"], account["available_cents"]


def test_an_authorisation_reserves_without_moving_money(api, client, holder, history):
    headers, account, card = holder
    response = authorize(client, headers, card["id"])
    assert response.status_code == 201, response.json
    hold = response.json
    assert set(hold) == HOLD_KEYS
    assert hold["kind"] == "card_authorization" and hold["status"] == "pending"
    assert (hold["account_id"], hold["card_id"], hold["amount_cents"]) == (account["id"], card["id"], 2_500)
    assert (hold["captured_cents"], hold["entry_id"], hold["reason"]) == (0, None, None)
    assert hold["merchant"] == "Hotel Adria" and hold["expires_at"] > hold["created_at"]
    assert funds(api, headers, account["id"]) == (10_000, 2_500, 7_500)
    assert [item["kind"] for item in history(headers, account["id"])] == ["deposit"]  # a hold is not a line


def test_a_new_account_shows_its_available_balance_and_no_limit(api):
    _, headers = api.customer()
    account = api.account(headers)
    assert (account["available_cents"], account["held_cents"], account["daily_limit_cents"]) == (0, 0, None)


def test_a_full_capture_posts_a_card_purchase_naming_the_hold(api, client, holder, history):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"]).json
    response = capture(client, headers, hold["id"])
    assert response.status_code == 201, response.json
    entry = response.json
    assert (entry["kind"], entry["status"], entry["amount_cents"], entry["hold_id"]) == (
        "card_purchase",
        "posted",
        2_500,
        hold["id"],
    )
    assert entry["balance_after_cents"] == 7_500
    assert funds(api, headers, account["id"]) == (7_500, 0, 7_500)
    after = client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json
    assert (after["status"], after["captured_cents"], after["entry_id"]) == ("captured", 2_500, entry["id"])
    lines = history(headers, account["id"])
    assert (lines[0]["kind"], lines[0]["amount_cents"], lines[0]["counterparty"]) == (
        "card_purchase",
        -2_500,
        "card-settlement",
    )


def test_a_partial_capture_releases_the_rest(api, client, holder):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"], 6_000).json
    response = capture(client, headers, hold["id"], 4_250)
    assert response.status_code == 201
    assert response.json["amount_cents"] == 4_250
    assert funds(api, headers, account["id"]) == (5_750, 0, 5_750)
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json["captured_cents"] == 4_250


def test_capturing_more_than_held_is_refused_and_changes_nothing(api, client, holder):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"], 1_000).json
    response = capture(client, headers, hold["id"], 1_001)
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert response.json["errors"][0]["field"] == "amount_cents"
    assert funds(api, headers, account["id"]) == (10_000, 1_000, 9_000)
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json["status"] == "pending"


def test_a_hold_is_captured_or_voided_once(client, holder):
    headers, _, card = holder
    hold = authorize(client, headers, card["id"]).json
    assert capture(client, headers, hold["id"]).status_code == 201
    for response in (capture(client, headers, hold["id"]), void(client, headers, hold["id"])):
        assert response.status_code == 409
        assert response.json["code"] == "hold_not_pending"
    other = authorize(client, headers, card["id"]).json
    assert void(client, headers, other["id"]).status_code == 200
    again = capture(client, headers, other["id"])
    assert (again.status_code, again.json["code"]) == (409, "hold_not_pending")


def test_a_void_releases_the_funds(api, client, holder, audit):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"], 9_000).json
    response = void(client, headers, hold["id"])
    assert response.status_code == 200
    assert (response.json["status"], response.json["captured_cents"]) == ("voided", 0)
    assert funds(api, headers, account["id"]) == (10_000, 0, 10_000)
    actions = {r["action"] for r in audit(resource_type="hold", resource_id=str(hold["id"]))}
    assert actions == {"hold.create", "hold.void"}


def test_a_capture_ignores_a_card_frozen_after_the_authorisation(api, client, holder):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"]).json
    assert client.post(f"/api/v1/cards/{card['id']}/freeze", headers=headers).status_code == 200
    response = capture(client, headers, hold["id"])
    assert response.status_code == 201
    assert funds(api, headers, account["id"]) == (7_500, 0, 7_500)


def test_a_capture_on_an_account_frozen_after_the_authorisation_is_declined_and_the_hold_stays(
    api, client, holder, teller, history
):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"]).json
    assert client.post(f"/api/v1/accounts/{account['id']}/freeze", headers=teller[1]).status_code == 200
    refused = capture(client, headers, hold["id"])
    assert (refused.status_code, refused.json["code"]) == (409, "account_unavailable")
    assert funds(api, headers, account["id"]) == (10_000, 2_500, 7_500)  # nothing moved, still reserved
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json["status"] == "pending"
    [line] = [h for h in history(headers, account["id"]) if h["kind"] == "card_purchase"]
    assert (line["status"], line["amount_cents"]) == ("declined", -2_500)
    assert client.post(f"/api/v1/accounts/{account['id']}/unfreeze", headers=teller[1]).status_code == 200
    assert capture(client, headers, hold["id"]).status_code == 201
    assert funds(api, headers, account["id"]) == (7_500, 0, 7_500)


def test_a_frozen_card_is_declined_and_recorded_without_a_hold(api, client, holder, history):
    headers, account, card = holder
    client.post(f"/api/v1/cards/{card['id']}/freeze", headers=headers)
    response = authorize(client, headers, card["id"])
    assert response.status_code == 409
    assert response.json["code"] == "card_frozen"
    line = history(headers, account["id"])[0]
    assert (line["kind"], line["status"], line["amount_cents"]) == ("card_purchase", "declined", -2_500)
    holds = client.get(f"/api/v1/accounts/{account['id']}/holds", headers=headers).json
    assert holds == {"items": [], "next_cursor": None}


def test_an_authorisation_needs_available_funds(api, client, holder, history):
    headers, account, card = holder
    assert authorize(client, headers, card["id"], 7_000).status_code == 201
    response = authorize(client, headers, card["id"], 3_001)
    assert response.status_code == 422
    assert (response.json["code"], response.json["available_cents"]) == ("insufficient_funds", 3_000)
    assert history(headers, account["id"])[0]["status"] == "declined"
    assert funds(api, headers, account["id"]) == (10_000, 7_000, 3_000)


def test_withdrawals_and_transfers_use_the_available_balance(api, client, holder):
    headers, account, card = holder
    target = api.account(headers, type="savings")
    authorize(client, headers, card["id"], 8_000)
    withdrawal = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 2_001, "pin": PIN}, headers=headers
    )
    assert (withdrawal.status_code, withdrawal.json["code"]) == (422, "insufficient_funds")
    transfer = api.transfer(headers, account["id"], target["number"], 2_001)
    assert (transfer.status_code, transfer.json["code"]) == (422, "insufficient_funds")
    assert api.transfer(headers, account["id"], target["number"], 2_000).status_code == 201
    assert funds(api, headers, account["id"]) == (8_000, 8_000, 0)


def test_a_wrong_pin_declines_the_authorisation(client, holder):
    headers, _, card = holder
    response = authorize(client, headers, card["id"], pin="9999" if PIN != "9999" else "1111")
    assert response.status_code == 403
    assert response.json["code"] == "invalid_pin"


def test_another_customer_sees_404_everywhere(api, client, holder):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"]).json
    _, stranger = api.customer()
    for response in (
        client.get(f"/api/v1/holds/{hold['id']}", headers=stranger),
        capture(client, stranger, hold["id"]),
        void(client, stranger, hold["id"]),
        client.get(f"/api/v1/accounts/{account['id']}/holds", headers=stranger),
        authorize(client, stranger, card["id"]),
    ):
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
    assert funds(api, headers, account["id"]) == (10_000, 2_500, 7_500)


def test_staff_authorise_capture_and_void_card_holds(api, client, holder, teller):
    headers, account, card = holder
    _, staff = teller
    hold = authorize(client, staff, card["id"], 1_000).json
    assert capture(client, staff, hold["id"]).status_code == 201
    other = authorize(client, headers, card["id"], 500).json
    assert void(client, staff, other["id"]).json["status"] == "voided"
    assert funds(api, headers, account["id"]) == (9_000, 0, 9_000)


def test_a_staff_hold_is_a_lien_only_staff_place_and_release(api, client, holder, teller, audit):
    headers, account, _ = holder
    _, staff = teller
    response = staff_hold(client, staff, account["id"], 4_000, expires_in_seconds=3_600)
    assert response.status_code == 201, response.json
    hold = response.json
    assert (hold["kind"], hold["card_id"], hold["merchant"], hold["reason"]) == (
        "staff_hold",
        None,
        None,
        "Court order 17/2026",
    )
    assert hold["expires_at"] is not None
    assert funds(api, headers, account["id"]) == (10_000, 4_000, 6_000)
    by_owner = staff_hold(client, headers, account["id"])
    assert (by_owner.status_code, by_owner.json["code"]) == (403, "forbidden")
    owner_void = void(client, headers, hold["id"])
    assert (owner_void.status_code, owner_void.json["code"]) == (403, "forbidden")
    not_capturable = capture(client, staff, hold["id"])
    assert (not_capturable.status_code, not_capturable.json["code"]) == (409, "not_capturable")
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json["status"] == "pending"  # owner reads it
    assert void(client, staff, hold["id"]).json["status"] == "voided"
    assert funds(api, headers, account["id"]) == (10_000, 0, 10_000)
    assert {r["action"] for r in audit(resource_type="hold", resource_id=str(hold["id"]))} >= {
        "hold.create",
        "hold.void",
    }


def test_a_staff_hold_without_expiry_lasts_until_voided(client, holder, teller):
    _, account, _ = holder
    hold = staff_hold(client, teller[1], account["id"]).json
    assert hold["expires_at"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount_cents": 100}, "reason"),
        ({"amount_cents": 100, "reason": "  "}, "reason"),
        ({"amount_cents": 0, "reason": "x"}, "amount_cents"),
        ({"amount_cents": 100, "reason": "x", "expires_in_seconds": 0}, "expires_in_seconds"),
        ({"amount_cents": 100, "reason": "x", "expires_in_seconds": 31_536_001}, "expires_in_seconds"),
    ],
)
def test_a_staff_hold_needs_a_reason_and_a_sane_expiry(client, holder, teller, body, field):
    _, account, _ = holder
    response = client.post(f"/api/v1/accounts/{account['id']}/holds", json=body, headers=teller[1])
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert field in {e["field"] for e in response.json["errors"]}


def test_a_staff_hold_beyond_the_available_balance_is_declined_and_recorded(api, client, holder, teller, history):
    headers, account, _ = holder
    response = staff_hold(client, teller[1], account["id"], 10_001)
    assert (response.status_code, response.json["code"]) == (422, "insufficient_funds")
    line = history(headers, account["id"])[0]
    assert (line["kind"], line["status"], line["amount_cents"]) == ("withdrawal", "declined", -10_001)
    assert funds(api, headers, account["id"]) == (10_000, 0, 10_000)


def test_staff_cannot_hold_their_own_account(api, client, teller):
    _, staff = teller
    own = api.funded_account(staff, 1_000) if False else api.account(staff)
    response = staff_hold(client, staff, own["id"], 100)
    assert (response.status_code, response.json["code"]) == (403, "own_account")


def test_holds_are_listed_newest_first_and_filtered_by_status(api, client, holder):
    headers, account, card = holder
    ids = [authorize(client, headers, card["id"], 100 + n).json["id"] for n in range(3)]
    void(client, headers, ids[1])
    url = f"/api/v1/accounts/{account['id']}/holds"
    first = client.get(url, query_string={"limit": 2}, headers=headers).json
    assert [h["id"] for h in first["items"]] == [ids[2], ids[1]]
    rest = client.get(url, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=headers).json
    assert ([h["id"] for h in rest["items"]], rest["next_cursor"]) == ([ids[0]], None)
    pending = client.get(url, query_string={"status": "pending"}, headers=headers).json["items"]
    assert [h["id"] for h in pending] == [ids[2], ids[0]]
    voided = client.get(url, query_string={"status": "voided"}, headers=headers).json["items"]
    assert [h["id"] for h in voided] == [ids[1]]
    bad = client.get(url, query_string={"status": "gone"}, headers=headers)
    assert (bad.status_code, bad.json["code"]) == (422, "validation_error")


def test_a_replayed_authorisation_and_capture_answer_the_same_and_act_once(api, client, holder):
    headers, account, card = holder
    first = authorize(client, headers, card["id"], 1_500, **{"Idempotency-Key": "auth-1"})
    again = authorize(client, headers, card["id"], 1_500, **{"Idempotency-Key": "auth-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    holds = client.get(f"/api/v1/accounts/{account['id']}/holds", headers=headers).json["items"]
    assert len(holds) == 1
    captured = capture(client, headers, first.json["id"], **{"Idempotency-Key": "cap-1"})
    replayed = capture(client, headers, first.json["id"], **{"Idempotency-Key": "cap-1"})
    assert (captured.status_code, replayed.status_code) == (201, 201)
    assert replayed.json == captured.json
    assert funds(api, headers, account["id"]) == (8_500, 0, 8_500)
    reused = authorize(client, headers, card["id"], 1_600, **{"Idempotency-Key": "auth-1"})
    assert (reused.status_code, reused.json["code"]) == (422, "idempotency_key_reused")


@pytest.fixture
def short_lived(app_config):
    app_config["HOLD_EXPIRY_SECONDS"] = 1
    return app_config


def test_an_authorisation_expires_exactly_and_frees_its_funds(short_lived, api, client, holder, audit):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"], 4_000).json
    assert funds(api, headers, account["id"]) == (10_000, 4_000, 6_000)
    time.sleep(1.05)
    read = client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json
    assert read["status"] == "expired"
    assert funds(api, headers, account["id"]) == (10_000, 0, 10_000)  # lazily: nothing has run yet
    assert audit(action="hold.expire") == []
    response = capture(client, headers, hold["id"])
    assert (response.status_code, response.json["code"]) == (409, "hold_not_pending")
    records = audit(action="hold.expire")
    assert [(r["resource_id"], r["actor_id"]) for r in records] == [(str(hold["id"]), None)]
    listed = client.get(f"/api/v1/accounts/{account['id']}/holds", query_string={"status": "expired"}, headers=headers)
    assert [h["id"] for h in listed.json["items"]] == [hold["id"]]


def test_an_expired_hold_no_longer_limits_a_withdrawal(short_lived, api, client, holder):
    headers, account, card = holder
    authorize(client, headers, card["id"], 9_000)
    time.sleep(1.05)
    response = client.post(
        f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 10_000, "pin": PIN}, headers=headers
    )
    assert response.status_code == 201, response.json
    assert funds(api, headers, account["id"]) == (0, 0, 0)


def test_a_staff_hold_expires_at_its_own_time(api, client, holder, teller):
    headers, account, _ = holder
    hold = staff_hold(client, teller[1], account["id"], 2_000, expires_in_seconds=1).json
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json["status"] == "pending"
    time.sleep(1.05)
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=headers).json["status"] == "expired"
    assert funds(api, headers, account["id"]) == (10_000, 0, 10_000)


def test_the_sweep_closes_and_audits_what_nobody_observed(short_lived, app, api, client, holder, audit):
    headers, account, card = holder
    hold = authorize(client, headers, card["id"], 1_000).json
    time.sleep(1.05)
    result = app.test_cli_runner().invoke(args=["expire-holds"])
    assert result.exit_code == 0, result.output
    assert "expired 1 hold" in result.output
    assert [r["resource_id"] for r in audit(action="hold.expire")] == [str(hold["id"])]
    again = app.test_cli_runner().invoke(args=["expire-holds"])
    assert "expired 0 holds" in again.output


def test_verification_passes_after_every_kind_of_hold_change(app, client, holder, teller):
    headers, account, card = holder
    captured = authorize(client, headers, card["id"], 1_000).json
    capture(client, headers, captured["id"], 600)
    void(client, headers, authorize(client, headers, card["id"], 500).json["id"])
    authorize(client, headers, card["id"], 50_000)  # declined
    staff_hold(client, teller[1], account["id"], 700)
    result = app.test_cli_runner().invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "PASS  holds_match_reservations" in result.output
