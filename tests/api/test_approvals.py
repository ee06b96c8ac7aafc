"""Dual control, four eyes (SPEC section 15): a reversal of at least DUAL_CONTROL_CENTS and a grant
of the admin role wait for another staff member's approval; nothing moves until then."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_problem
from tests.support import databases

LARGE = 150_000  # $1,500.00: at least the default DUAL_CONTROL_CENTS ($1,000.00)
APPROVAL_KEYS = {
    "id",
    "action",
    "status",
    "requested_by",
    "decided_by",
    "reason",
    "created_at",
    "decided_at",
    "details",
    "result",
    "decision_reason",
}


@pytest.fixture
def app_config(app_config, database_url):
    """This file runs on the suite's backend: PostgreSQL in the PostgreSQL pass."""
    return {**app_config, "DATABASE_URL": database_url} if databases.on_postgresql() else app_config


@pytest.fixture
def transfer(api):
    """A posted transfer of LARGE from Alice to Bob: (entry, alice's account, bob's account, bob's headers)."""
    _, alice_headers = api.customer("Alice Cooper")
    alice = api.funded_account(alice_headers, 500_000)
    _, bob_headers = api.customer("Bob Builder")
    bob = api.account(bob_headers)
    response = api.transfer(alice_headers, alice["id"], bob["number"], LARGE)
    assert response.status_code == 201, response.json
    return response.json, alice, bob, bob_headers


def _reverse(client, entry_id, headers, reason="Sent twice by mistake", **extra_headers):
    return client.post(
        f"/api/v1/transactions/{entry_id}/reverse", json={"reason": reason}, headers={**headers, **extra_headers}
    )


def _approve(client, approval_id, headers, **body):
    return client.post(f"/api/v1/approvals/{approval_id}/approve", json=body, headers=headers)


def _reject(client, approval_id, headers, reason="Not a duplicate: the customer paid twice"):
    return client.post(f"/api/v1/approvals/{approval_id}/reject", json={"reason": reason}, headers=headers)


def _balances(api, headers, *accounts):
    return [api.get_account(headers, a["id"])["balance_cents"] for a in accounts]


def _entries(client, headers, account_id):
    response = client.get(f"/api/v1/accounts/{account_id}/transactions", headers=headers)
    return [item["entry_id"] for item in response.json["items"]]


@pytest.fixture
def requested(client, transfer, teller):
    """A pending reversal of the large transfer, asked by ``teller``."""
    entry, *_ = transfer
    response = _reverse(client, entry["id"], teller[1])
    assert response.status_code == 202, response.json
    return response.json


def test_a_large_reversal_is_answered_202_with_a_pending_approval_and_moves_nothing(
    api, client, transfer, teller, admin
):
    entry, alice, bob, _ = transfer
    before = _balances(api, admin[1], alice, bob)
    response = _reverse(client, entry["id"], teller[1])
    assert response.status_code == 202, response.json
    approval = response.json
    assert set(approval) == APPROVAL_KEYS
    assert (approval["action"], approval["status"], approval["requested_by"]) == ("reversal", "pending", teller[0].id)
    assert (approval["decided_by"], approval["decided_at"], approval["result"]) == (None, None, None)
    assert approval["reason"] == "Sent twice by mistake"
    details = approval["details"]
    assert (details["entry_id"], details["amount_cents"], details["currency"]) == (entry["id"], LARGE, "USD")
    assert (details["entry_kind"], details["reason"]) == ("transfer", "Sent twice by mistake")
    assert details["from_account"] == {
        "id": bob["id"],
        "number": bob["number"],
        "type": "checking",
        "owner_id": bob["owner_id"],
        "holder": "Bob Builder",
    }
    assert details["to_account"]["id"] == alice["id"] and details["to_account"]["holder"] == "Alice Cooper"
    assert _balances(api, admin[1], alice, bob) == before
    assert _entries(client, admin[1], bob["id"]) == [entry["id"]]
    fetched = client.get(f"/api/v1/approvals/{approval['id']}", headers=admin[1])
    assert (fetched.status_code, fetched.json) == (200, approval)


def test_the_requester_approving_is_403_same_person_and_it_stays_pending(
    api, client, transfer, teller, requested, audit
):
    entry, alice, bob, _ = transfer
    assert_problem(_approve(client, requested["id"], teller[1]), 403, "same_person")
    assert client.get(f"/api/v1/approvals/{requested['id']}", headers=teller[1]).json["status"] == "pending"
    assert _balances(api, teller[1], alice, bob) == [500_000 - LARGE, LARGE]
    [denial] = audit(action="approval.approve", outcome="denied")
    assert (denial["actor_id"], denial["resource_id"], denial["details"]) == (
        teller[0].id,
        str(requested["id"]),
        {"reason": "same_person"},
    )


def test_a_second_teller_approves_and_the_money_moves_with_the_reversal_in_result(
    api, client, transfer, teller, requested, audit
):
    entry, alice, bob, _ = transfer
    checker = api.staff("teller")
    response = _approve(client, requested["id"], checker[1])
    assert response.status_code == 200, response.json
    approval = response.json
    assert (approval["status"], approval["decided_by"], approval["requested_by"]) == (
        "approved",
        checker[0].id,
        teller[0].id,
    )
    assert approval["decided_at"] is not None
    reversal = approval["result"]
    assert (reversal["kind"], reversal["status"], reversal["amount_cents"], reversal["reverses_entry_id"]) == (
        "reversal",
        "posted",
        LARGE,
        entry["id"],
    )
    assert reversal["memo"] == f"Reversal of #{entry['id']}: Sent twice by mistake"
    # exactly the JSON the direct action answers: the entry as GET /transactions/{id} shows it to staff
    assert client.get(f"/api/v1/transactions/{reversal['id']}", headers=checker[1]).json == reversal
    assert _balances(api, checker[1], alice, bob) == [500_000, 0]
    # the executed reversal keeps its own audit record, made by the approver
    [posted] = audit(action="reversal", resource_id=str(reversal["id"]))
    assert (posted["actor_id"], posted["outcome"], posted["details"]["approval_id"]) == (
        checker[0].id,
        "success",
        requested["id"],
    )
    [asked] = audit(action="approval.request")
    [approved] = audit(action="approval.approve", outcome="success")
    assert (asked["actor_id"], approved["actor_id"]) == (teller[0].id, checker[0].id)
    assert asked["resource_id"] == approved["resource_id"] == str(requested["id"])
    assert approved["details"]["approval_action"] == "reversal"
    assert all(c["passed"] for c in client.get("/api/v1/admin/verify", headers=api.staff("admin")[1]).json["checks"])


def test_an_admin_may_approve_a_tellers_reversal(api, client, transfer, requested, admin):
    response = _approve(client, requested["id"], admin[1])
    assert (response.status_code, response.json["status"]) == (200, "approved")


def test_a_rejection_with_a_reason_moves_nothing_and_keeps_result_null(api, client, transfer, teller, requested, audit):
    entry, alice, bob, _ = transfer
    checker = api.staff("teller")
    response = _reject(client, requested["id"], checker[1])
    assert response.status_code == 200, response.json
    approval = response.json
    assert (approval["status"], approval["decided_by"], approval["result"]) == ("rejected", checker[0].id, None)
    assert approval["decision_reason"] == "Not a duplicate: the customer paid twice"
    assert _balances(api, checker[1], alice, bob) == [500_000 - LARGE, LARGE]
    assert _entries(client, checker[1], bob["id"]) == [entry["id"]]
    [rejected] = audit(action="approval.reject")
    assert (rejected["actor_id"], rejected["details"]["reason"]) == (
        checker[0].id,
        "Not a duplicate: the customer paid twice",
    )


@pytest.mark.parametrize("reason", [None, "", "   ", "tab\there", "x" * 141])
def test_a_rejection_needs_a_reason_under_the_text_rules(client, api, requested, reason):
    checker = api.staff("teller")
    body = {} if reason is None else {"reason": reason}
    response = client.post(f"/api/v1/approvals/{requested['id']}/reject", json=body, headers=checker[1])
    assert_problem(response, 422, "validation_error")
    assert client.get(f"/api/v1/approvals/{requested['id']}", headers=checker[1]).json["status"] == "pending"


def test_the_requester_may_withdraw_their_own_request(client, teller, requested, audit):
    response = _reject(client, requested["id"], teller[1], reason="Asked for the wrong entry")
    assert (response.status_code, response.json["status"], response.json["decided_by"]) == (
        200,
        "rejected",
        teller[0].id,
    )
    [withdrawn] = audit(action="approval.reject")
    assert withdrawn["details"]["withdrawn"] is True


@pytest.mark.parametrize(
    "first, second",
    [("approve", "approve"), ("reject", "approve"), ("approve", "reject"), ("reject", "reject")],
)
def test_deciding_twice_is_409_approval_not_pending(api, client, transfer, requested, first, second):
    entry, alice, bob, _ = transfer
    checker, other = api.staff("teller"), api.staff("teller")
    decide = {"approve": _approve, "reject": _reject}
    assert decide[first](client, requested["id"], checker[1]).status_code == 200
    assert_problem(decide[second](client, requested["id"], other[1]), 409, "approval_not_pending")
    moved = first == "approve"
    assert _balances(api, checker[1], alice, bob) == ([500_000, 0] if moved else [500_000 - LARGE, LARGE])
    assert client.get(f"/api/v1/approvals/{requested['id']}", headers=checker[1]).json["status"] == (
        "approved" if moved else "rejected"
    )


def test_just_under_the_threshold_a_reversal_posts_at_once(api, client, teller):
    _, alice_headers = api.customer()
    alice = api.funded_account(alice_headers, 100_000)
    entry = client.post(
        f"/api/v1/accounts/{alice['id']}/withdrawals",
        json={"amount_cents": 99_999, "pin": "1234"},
        headers=alice_headers,
    ).json
    response = _reverse(client, entry["id"], teller[1])
    assert (response.status_code, response.json["kind"]) == (201, "reversal")
    assert api.get_account(teller[1], alice["id"])["balance_cents"] == 100_000
    assert client.get("/api/v1/approvals", headers=teller[1]).json["items"] == []


def test_at_the_threshold_exactly_a_reversal_waits(api, client, teller):
    _, alice_headers = api.customer()
    alice = api.funded_account(alice_headers, 100_000)
    entry = client.post(
        f"/api/v1/accounts/{alice['id']}/withdrawals",
        json={"amount_cents": 100_000, "pin": "1234"},
        headers=alice_headers,
    ).json
    assert _reverse(client, entry["id"], teller[1]).status_code == 202
    assert api.get_account(teller[1], alice["id"])["balance_cents"] == 0


@pytest.fixture
def configured(app_config, request):
    app_config.update(request.param)
    return app_config


@pytest.mark.parametrize("configured", [{"DUAL_CONTROL_CENTS": 500}], indirect=True)
def test_dual_control_cents_sets_the_threshold(configured, api, client, teller):
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    deposit = api.client.get(f"/api/v1/accounts/{account['id']}/transactions", headers=headers).json["items"][0]
    assert _reverse(client, deposit["entry_id"], teller[1]).status_code == 202


def test_the_requesters_checks_run_before_anything_is_stored(api, client, transfer, teller):
    entry, *_ = transfer
    assert_problem(_reverse(client, 999_999, teller[1]), 404, "not_found")
    assert_problem(_reverse(client, entry["id"], teller[1], reason="bad\u202e"), 422, "validation_error")
    _, customer_headers = api.customer()
    assert_problem(_reverse(client, entry["id"], customer_headers), 403, "forbidden")
    assert client.get("/api/v1/approvals", headers=teller[1]).json["items"] == []


def test_a_requester_reversing_an_entry_on_their_own_account_is_403_own_account(api, client, teller):
    _, customer_headers = api.customer()
    source = api.funded_account(customer_headers, 500_000)
    own = api.account(teller[1])  # the teller's own account (no owner_id: for themselves)
    entry = api.transfer(customer_headers, source["id"], own["number"], LARGE).json
    assert_problem(_reverse(client, entry["id"], teller[1]), 403, "own_account")
    assert client.get("/api/v1/approvals", headers=teller[1]).json["items"] == []


def test_an_approver_whose_own_account_the_reversal_touches_is_403_own_account_and_it_stays_pending(
    api, client, teller, audit
):
    checker = api.staff("teller")
    _, customer_headers = api.customer()
    source = api.funded_account(customer_headers, 500_000)
    checkers_own = api.account(checker[1])
    entry = api.transfer(customer_headers, source["id"], checkers_own["number"], LARGE).json
    approval = _reverse(client, entry["id"], teller[1]).json
    assert approval["status"] == "pending"
    assert_problem(_approve(client, approval["id"], checker[1]), 403, "own_account")
    assert client.get(f"/api/v1/approvals/{approval['id']}", headers=teller[1]).json["status"] == "pending"
    assert api.get_account(checker[1], checkers_own["id"])["balance_cents"] == LARGE
    [denial] = audit(action="reversal", outcome="denied")
    assert (denial["actor_id"], denial["details"]) == (checker[0].id, {"reason": "own_account"})


def test_an_approve_the_action_refuses_leaves_it_pending(api, client, transfer, teller, requested):
    """Bob spent the money meanwhile: the reversal is declined (recorded as ever), the request waits."""
    entry, alice, bob, bob_headers = transfer
    spent = client.post(
        f"/api/v1/accounts/{bob['id']}/withdrawals", json={"amount_cents": LARGE, "pin": "1234"}, headers=bob_headers
    )
    assert spent.status_code == 201
    checker = api.staff("teller")
    assert_problem(_approve(client, requested["id"], checker[1]), 422, "insufficient_funds")
    assert client.get(f"/api/v1/approvals/{requested['id']}", headers=checker[1]).json["status"] == "pending"
    assert _balances(api, checker[1], alice, bob) == [500_000 - LARGE, 0]


def test_a_second_request_for_an_entry_that_waits_is_409_conflict_naming_the_first(api, client, transfer, requested):
    entry, *_ = transfer
    other = api.staff("teller")
    body = assert_problem(_reverse(client, entry["id"], other[1]), 409, "conflict")
    assert body["approval_id"] == requested["id"]
    assert [a["id"] for a in client.get("/api/v1/approvals", headers=other[1]).json["items"]] == [requested["id"]]


def test_after_approval_a_new_request_is_409_already_reversed(api, client, transfer, teller, requested):
    entry, *_ = transfer
    assert _approve(client, requested["id"], api.staff("teller")[1]).status_code == 200
    assert_problem(_reverse(client, entry["id"], teller[1]), 409, "already_reversed")


def test_after_a_rejection_the_entry_may_be_asked_for_again(api, client, transfer, teller, requested):
    entry, *_ = transfer
    assert _reject(client, requested["id"], api.staff("teller")[1]).status_code == 200
    again = _reverse(client, entry["id"], teller[1])
    assert (again.status_code, again.json["status"]) == (202, "pending")
    assert again.json["id"] != requested["id"]


def test_a_replayed_request_answers_the_same_approval_and_stores_one(api, client, transfer, teller):
    entry, *_ = transfer
    first = _reverse(client, entry["id"], teller[1], **{"Idempotency-Key": "rev-1"})
    again = _reverse(client, entry["id"], teller[1], **{"Idempotency-Key": "rev-1"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert len(client.get("/api/v1/approvals", headers=teller[1]).json["items"]) == 1


# -- the admin role -------------------------------------------------------------------------------


@pytest.fixture
def grant(api, client, admin):
    """A teller whose promotion to admin ``admin`` asked for: (teller user, the pending approval)."""
    promoted = api.staff("teller")[0]
    response = client.post(
        f"/api/v1/admin/users/{promoted.id}/role", json={"role": "admin", "reason": "Branch manager"}, headers=admin[1]
    )
    assert response.status_code == 202, response.json
    return promoted, response.json


def _role_of(client, headers, user_id):
    users = client.get("/api/v1/admin/users", query_string={"limit": 200}, headers=headers).json["items"]
    return next(u["role"] for u in users if u["id"] == user_id)


def test_granting_admin_waits_for_another_admin(client, admin, grant):
    promoted, approval = grant
    assert (approval["action"], approval["status"], approval["reason"]) == ("role_grant", "pending", "Branch manager")
    assert approval["details"] == {
        "user_id": promoted.id,
        "email": promoted.email,
        "full_name": promoted.full_name,
        "from_role": "teller",
        "to_role": "admin",
        "reason": "Branch manager",
    }
    assert _role_of(client, admin[1], promoted.id) == "teller"


def test_a_teller_approving_a_role_grant_is_403_forbidden_and_it_stays_pending(api, client, admin, grant, audit):
    promoted, approval = grant
    teller = api.staff("teller")
    assert_problem(_approve(client, approval["id"], teller[1]), 403, "forbidden")
    assert_problem(_reject(client, approval["id"], teller[1]), 403, "forbidden")
    assert client.get(f"/api/v1/approvals/{approval['id']}", headers=admin[1]).json["status"] == "pending"
    assert _role_of(client, admin[1], promoted.id) == "teller"
    assert len(audit(action="approval.approve", outcome="denied", actor_id=teller[0].id)) == 1


def test_the_requesting_admin_approving_is_403_same_person(client, admin, grant):
    promoted, approval = grant
    assert_problem(_approve(client, approval["id"], admin[1]), 403, "same_person")
    assert _role_of(client, admin[1], promoted.id) == "teller"


def test_a_second_admin_approves_and_the_user_is_admin_with_the_user_in_result(api, client, admin, grant, audit):
    promoted, approval = grant
    second = api.staff("admin")
    response = _approve(client, approval["id"], second[1])
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["decided_by"]) == ("approved", second[0].id)
    assert response.json["result"] == {
        "id": promoted.id,
        "email": promoted.email,
        "full_name": promoted.full_name,
        "role": "admin",
        "status": "active",
        "created_at": promoted.created_at,
    }
    assert _role_of(client, admin[1], promoted.id) == "admin"
    [changed] = audit(action="user.role", resource_id=str(promoted.id))
    assert (changed["actor_id"], changed["details"]["previous"], changed["details"]["approval_id"]) == (
        second[0].id,
        "teller",
        approval["id"],
    )


def test_other_role_changes_are_made_at_once(api, client, admin):
    customer, _ = api.customer()
    response = client.post(f"/api/v1/admin/users/{customer['id']}/role", json={"role": "teller"}, headers=admin[1])
    assert (response.status_code, response.json["role"]) == (200, "teller")


def test_a_teller_asking_for_a_role_grant_is_403_forbidden_and_nothing_is_stored(api, client, teller):
    customer, _ = api.customer()
    response = client.post(f"/api/v1/admin/users/{customer['id']}/role", json={"role": "admin"}, headers=teller[1])
    assert_problem(response, 403, "forbidden")
    assert client.get("/api/v1/approvals", headers=teller[1]).json["items"] == []


def test_a_second_grant_for_a_user_who_waits_is_409_conflict(api, client, grant):
    promoted, approval = grant
    second = api.staff("admin")
    response = client.post(f"/api/v1/admin/users/{promoted.id}/role", json={"role": "admin"}, headers=second[1])
    assert assert_problem(response, 409, "conflict")["approval_id"] == approval["id"]


# -- who may see and decide -------------------------------------------------------------------------


def test_customers_cannot_list_read_approve_or_reject(api, client, requested, audit):
    _, headers = api.customer()
    assert_problem(client.get("/api/v1/approvals", headers=headers), 403, "forbidden")
    assert_problem(client.get(f"/api/v1/approvals/{requested['id']}", headers=headers), 403, "forbidden")
    assert_problem(_approve(client, requested["id"], headers), 403, "forbidden")
    assert_problem(_reject(client, requested["id"], headers), 403, "forbidden")
    denied = {r["action"] for r in audit(outcome="denied") if r["action"].startswith("approval.")}
    assert denied == {"approval.list", "approval.read", "approval.approve", "approval.reject"}


def test_an_unknown_approval_is_404(client, teller):
    assert_problem(client.get("/api/v1/approvals/999999", headers=teller[1]), 404, "not_found")
    assert_problem(_approve(client, 999_999, teller[1]), 404, "not_found")


def test_the_list_pages_by_keyset_newest_first_and_filters_by_status(api, client, teller):
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000_000)
    ids = []
    for _ in range(5):
        entry = client.post(
            f"/api/v1/accounts/{account['id']}/withdrawals",
            json={"amount_cents": LARGE, "pin": "1234"},
            headers=headers,
        ).json
        ids.append(_reverse(client, entry["id"], teller[1]).json["id"])
    checker = api.staff("teller")
    assert _reject(client, ids[1], checker[1]).status_code == 200
    assert _approve(client, ids[3], checker[1]).status_code == 200
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/approvals", query_string=query, headers=teller[1]).json
        assert len(page["items"]) <= 2
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    by_status = {
        status: [a["id"] for a in client.get(f"/api/v1/approvals?status={status}", headers=teller[1]).json["items"]]
        for status in ("pending", "approved", "rejected")
    }
    assert by_status == {"pending": [ids[4], ids[2], ids[0]], "approved": [ids[3]], "rejected": [ids[1]]}
    assert_problem(client.get("/api/v1/approvals?status=maybe", headers=teller[1]), 422, "validation_error")
    assert_problem(client.get("/api/v1/approvals?cursor=nonsense!", headers=teller[1]), 422, "validation_error")


# -- events ---------------------------------------------------------------------------------------------


def _feed(client, services, headers):
    services.uow.seal()
    return client.get("/api/v1/events", query_string={"limit": 200}, headers=headers).json["items"]


def test_an_approved_reversal_writes_reversal_posted_and_no_event_of_the_approval(
    api, client, services, transfer, requested, admin
):
    """SPEC 16's list of event types is closed: the request and the decision are audited, not events."""
    entry, alice, bob, bob_headers = transfer
    approved = _approve(client, requested["id"], api.staff("teller")[1]).json
    events = _feed(client, services, admin[1])
    assert events[-1]["type"] == "reversal.posted" and events[-1]["data"]["id"] == approved["result"]["id"]
    assert {e["type"] for e in events} <= set(SPEC_16_TYPES)
    bobs = [e["type"] for e in _feed(client, services, bob_headers)]
    assert bobs[-1] == "reversal.posted"


def test_a_rejection_writes_no_event(api, client, services, requested, admin):
    before = _feed(client, services, admin[1])
    _reject(client, requested["id"], api.staff("teller")[1])
    assert _feed(client, services, admin[1]) == before


@pytest.mark.parametrize("configured", [{"WEBHOOK_ALLOW_PRIVATE": True}], indirect=True)
def test_webhooks_cannot_subscribe_to_approval_events(configured, client, admin):
    response = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/corebank", "events": ["approval.requested"]},
        headers=admin[1],
    )
    assert (response.status_code, response.json["code"]) == (422, "validation_error")


SPEC_16_TYPES = (
    "deposit.posted", "withdrawal.posted", "transfer.posted", "card_purchase.posted", "reversal.posted",
    "entry.declined", "hold.created", "hold.captured", "hold.voided", "hold.expired", "account.opened",
    "account.frozen", "account.unfrozen", "account.closed", "account.locked", "account.unlocked",
    "card.issued", "card.frozen", "card.unfrozen",
)  # fmt: skip
