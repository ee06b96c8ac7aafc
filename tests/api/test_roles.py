"""Staff and admin actions: a customer (or a teller, for admin-only ones) gets 403 and is audited."""

import pytest

from tests.api.helpers import assert_problem


@pytest.fixture
def world(api):
    customer, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    other, other_headers = api.customer()
    entry_id = api.deposit(other_headers, api.account(other_headers)["id"], 100).json["id"]
    return {"customer": customer, "headers": headers, "account": account, "other": other, "entry": entry_id}


STAFF_ONLY = [
    ("freeze", "POST", "/api/v1/accounts/{account}/freeze", None),
    ("unfreeze", "POST", "/api/v1/accounts/{account}/unfreeze", None),
    ("account_unlock", "POST", "/api/v1/accounts/{account}/unlock", None),
    ("user_unlock", "POST", "/api/v1/admin/users/{other}/unlock", None),
    ("reverse", "POST", "/api/v1/transactions/{entry}/reverse", {}),
    ("customer_search", "GET", "/api/v1/customers?q=example", None),
    ("list_other_owner", "GET", "/api/v1/accounts?owner_id={other}", None),
    ("open_for_other", "POST", "/api/v1/accounts", {"type": "checking", "pin": "1234", "owner_id": "{other}"}),
]
ADMIN_ONLY = [
    ("users", "GET", "/api/v1/admin/users", None),
    ("lock", "POST", "/api/v1/admin/users/{other}/lock", None),
    ("role", "POST", "/api/v1/admin/users/{other}/role", {"role": "admin"}),
    ("audit", "GET", "/api/v1/admin/audit", None),
    ("verify", "GET", "/api/v1/admin/verify", None),
]


def _call(client, world, headers, method, path, body):
    ids = {"account": world["account"]["id"], "other": world["other"]["id"], "entry": world["entry"]}
    if body is not None:
        body = {k: ids["other"] if v == "{other}" else v for k, v in body.items()}
    return client.open(path.format(**ids), method=method, json=body, headers=headers)


@pytest.mark.parametrize(("name", "method", "path", "body"), STAFF_ONLY + ADMIN_ONLY, ids=lambda v: v)
def test_customer_calling_a_staff_action_is_403(client, api, world, audit, name, method, path, body):
    response = _call(client, world, world["headers"], method, path, body)
    assert_problem(response, 403, "forbidden")
    assert len(audit(actor_id=world["customer"]["id"], outcome="denied")) == 1
    account = api.get_account(world["headers"], world["account"]["id"])
    assert (account["status"], account["balance_cents"]) == ("active", 1_000)
    assert api.login(world["other"]["email"])["user"]["role"] == "customer"


@pytest.mark.parametrize(("name", "method", "path", "body"), ADMIN_ONLY, ids=lambda v: v)
def test_teller_calling_an_admin_action_is_403(client, api, world, teller, audit, name, method, path, body):
    response = _call(client, world, teller[1], method, path, body)
    assert_problem(response, 403, "forbidden")
    assert len(audit(actor_id=teller[0].id, outcome="denied")) == 1
    assert api.login(world["other"]["email"])["user"]["status"] == "active"


def test_teller_serves_customers(client, api, world, teller):
    found = client.get("/api/v1/customers", query_string={"q": world["customer"]["email"]}, headers=teller[1])
    assert [u["id"] for u in found.json["items"]] == [world["customer"]["id"]]
    by_number = client.get("/api/v1/customers", query_string={"q": world["account"]["number"]}, headers=teller[1])
    assert [u["id"] for u in by_number.json["items"]] == [world["customer"]["id"]]
    listed = client.get(f"/api/v1/accounts?owner_id={world['customer']['id']}", headers=teller[1])
    assert [a["id"] for a in listed.json["items"]] == [world["account"]["id"]]
    opened = client.post(
        "/api/v1/accounts",
        json={"type": "savings", "pin": "1234", "owner_id": world["customer"]["id"]},
        headers=teller[1],
    )
    assert (opened.status_code, opened.json["owner_id"]) == (201, world["customer"]["id"])


def test_teller_cannot_open_an_account_for_staff(client, teller, admin):
    response = client.post(
        "/api/v1/accounts", json={"type": "savings", "pin": "1234", "owner_id": admin[0].id}, headers=teller[1]
    )
    assert_problem(response, 422, "validation_error")


def test_freeze_and_unfreeze_by_staff(client, api, world, teller):
    account_id = world["account"]["id"]
    frozen = client.post(f"/api/v1/accounts/{account_id}/freeze", headers=teller[1])
    assert (frozen.status_code, frozen.json["status"]) == (200, "frozen")
    thawed = client.post(f"/api/v1/accounts/{account_id}/unfreeze", headers=teller[1])
    assert (thawed.status_code, thawed.json["status"]) == (200, "active")


@pytest.mark.parametrize("role", ["superuser", "", None, 1])
def test_unknown_role_is_422(client, world, admin, role):
    response = client.post(f"/api/v1/admin/users/{world['other']['id']}/role", json={"role": role}, headers=admin[1])
    assert_problem(response, 422, "validation_error")


def test_admin_cannot_change_their_own_role(client, admin):
    response = client.post(f"/api/v1/admin/users/{admin[0].id}/role", json={"role": "customer"}, headers=admin[1])
    assert_problem(response, 403, "forbidden")
