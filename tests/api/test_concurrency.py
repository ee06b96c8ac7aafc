"""Two clients spending the whole balance at the same moment: exactly one succeeds."""

import threading

from tests.api.helpers import assert_problem
from tests.conftest import PIN


def _race(app, requests):
    """Send each (method, path, json, headers) from its own test client, all released together."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def send(index, method, path, body, headers):
        client = app.test_client()
        barrier.wait(5)
        responses[index] = client.open(path, method=method, json=body, headers=headers)

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def _one_won(responses):
    by_status = sorted(responses, key=lambda r: r.status_code)
    assert [r.status_code for r in by_status] == [201, 422]
    assert_problem(by_status[1], 422, "insufficient_funds")
    return by_status[0]


def test_double_withdrawal_of_the_full_balance(app, api, history):
    _, headers = api.customer()
    account = api.funded_account(headers, 7_500)
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    winner = _one_won(_race(app, [("POST", path, {"amount_cents": 7_500, "pin": PIN}, headers)] * 2))
    assert winner.json["balance_after_cents"] == 0
    assert api.get_account(headers, account["id"])["balance_cents"] == 0
    statuses = sorted(i["status"] for i in history(headers, account["id"], kind="withdrawal"))
    assert statuses == ["declined", "posted"]


def test_double_transfer_of_the_full_balance_from_two_clients(app, api):
    _, headers = api.customer()
    source = api.funded_account(headers, 7_500)
    _, other = api.customer()
    targets = [api.account(other), api.account(other)]
    requests = [
        (
            "POST",
            "/api/v1/transfers",
            {"from_account_id": source["id"], "to_account_number": t["number"], "amount_cents": 7_500, "pin": PIN},
            headers,
        )
        for t in targets
    ]
    _one_won(_race(app, requests))
    assert api.get_account(headers, source["id"])["balance_cents"] == 0
    assert sum(api.get_account(other, t["id"])["balance_cents"] for t in targets) == 7_500


def test_withdrawal_racing_a_transfer(app, api):
    _, headers = api.customer()
    source = api.funded_account(headers, 3_000)
    target = api.account(headers, type="savings")
    requests = [
        ("POST", f"/api/v1/accounts/{source['id']}/withdrawals", {"amount_cents": 3_000, "pin": PIN}, headers),
        (
            "POST",
            "/api/v1/transfers",
            {"from_account_id": source["id"], "to_account_number": target["number"], "amount_cents": 3_000, "pin": PIN},
            headers,
        ),
    ]
    _one_won(_race(app, requests))
    assert api.get_account(headers, source["id"])["balance_cents"] == 0
    verify = app.test_cli_runner().invoke(args=["verify"])
    assert verify.exit_code == 0, verify.output
