"""The stored idempotency fingerprint does not give the PIN back: it cannot be matched offline
against a plain hash of every possible request body, and replays still work."""

import hashlib
import json

from tests.api.helpers import raw_connection
from tests.conftest import PIN


def _withdraw(client, headers, account_id, amount_cents, **extra_headers):
    return client.post(
        f"/api/v1/accounts/{account_id}/withdrawals",
        json={"amount_cents": amount_cents, "pin": PIN},
        headers={**headers, **extra_headers},
    )


def test_the_stored_idempotency_fingerprint_does_not_give_the_pin_back(app, api, client):
    # The fingerprint used to be a plain SHA-256 of the body, PIN included: the 10**4..10**6 PINs
    # could be tried against it offline from the database alone, defeating PIN_PEPPER.
    _, headers = api.customer()
    account = api.funded_account(headers, 1_000)
    assert _withdraw(client, headers, account["id"], 250, **{"Idempotency-Key": "atm-1"}).status_code == 201
    stored = raw_connection(app).execute("SELECT fingerprint FROM idempotency_keys").fetchone()[0]
    path = f"/api/v1/accounts/{account['id']}/withdrawals"
    guesses = {
        hashlib.sha256(
            f"POST {path}\n{json.dumps({'amount_cents': 250, 'pin': f'{n:04d}'}, sort_keys=True)}".encode()
        ).hexdigest()
        for n in range(10_000)
    }
    assert stored not in guesses
    replay = _withdraw(client, headers, account["id"], 250, **{"Idempotency-Key": "atm-1"})
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
    assert api.get_account(headers, account["id"])["balance_cents"] == 750
