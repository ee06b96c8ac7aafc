"""Who sees what of a journal entry: a customer sees balances after only for their own accounts
(never another customer's or the bank's cash position), staff see every one, and a declined transfer
is visible to its sender but not to its would-be recipient, while a posted one is visible to both."""


def test_a_transfer_never_shows_the_sender_the_recipients_balance(api, client):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Builder")
    source = api.funded_account(alice, 1_000)
    target = api.funded_account(bob, 987_654)
    response = api.transfer(alice, source["id"], target["number"], 1)
    assert response.status_code == 201
    shown = {p["account_id"]: p["balance_after_cents"] for p in response.json["postings"]}
    assert shown == {source["id"]: 999, target["id"]: None}
    entry = client.get(f"/api/v1/transactions/{response.json['id']}", headers=alice).json
    assert {p["account_id"]: p["balance_after_cents"] for p in entry["postings"]} == shown


def test_a_deposit_never_shows_a_customer_the_banks_cash_position(api):
    _, headers = api.customer()
    account = api.account(headers)
    body = api.deposit(headers, account["id"], 500).json
    assert body["balance_after_cents"] == 500
    assert {p["account_id"]: p["balance_after_cents"] for p in body["postings"]} == {
        account["id"]: 500,
        next(p["account_id"] for p in body["postings"] if p["account_id"] != account["id"]): None,
    }


def test_staff_still_see_every_balance_after(api, client, teller):
    _, alice = api.customer()
    _, bob = api.customer()
    source = api.funded_account(alice, 1_000)
    target = api.funded_account(bob, 300)
    entry_id = api.transfer(alice, source["id"], target["number"], 100).json["id"]
    entry = client.get(f"/api/v1/transactions/{entry_id}", headers=teller[1]).json
    assert {p["account_id"]: p["balance_after_cents"] for p in entry["postings"]} == {
        source["id"]: 900,
        target["id"]: 400,
    }


def test_a_declined_transfer_is_not_visible_to_its_would_be_recipient(api, client):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Marley")
    source = api.funded_account(alice, 1_000)
    target = api.account(bob)
    declined = api.transfer(alice, source["id"], target["number"], 5_000)
    assert declined.status_code == 422
    entry_id = declined.json["entry_id"]
    assert client.get(f"/api/v1/transactions/{entry_id}", headers=alice).status_code == 200
    hidden = client.get(f"/api/v1/transactions/{entry_id}", headers=bob)
    assert hidden.status_code == 404
    assert hidden.json["code"] == "not_found"


def test_a_posted_transfer_is_visible_to_its_recipient(api, client):
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Marley")
    source = api.funded_account(alice, 1_000)
    target = api.account(bob)
    posted = api.transfer(alice, source["id"], target["number"], 500)
    assert posted.status_code == 201
    seen = client.get(f"/api/v1/transactions/{posted.json['id']}", headers=bob)
    assert seen.status_code == 200
    assert seen.json["amount_cents"] == 500
