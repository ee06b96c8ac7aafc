"""The transfer review shows the holder's masked name, so it counts against the one recipient-lookup
budget: once the budget is spent, the review is 429 and shows no name."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOOKUP": "2/minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def test_the_transfer_review_counts_against_the_one_lookup_budget(web, client):
    sender = web.customer()
    source = web.account(sender, 1_000)
    recipient = web.account(web.user("Victim Person"))
    review = {"from_account_id": source.id, "to_account_number": recipient.number, "amount": "1.00"}
    assert web.post("/transfers/review", review).status_code == 200
    assert client.get("/transfers/lookup", query_string={"to_account_number": recipient.number}).status_code == 200
    refused = web.post("/transfers/review", review)
    assert refused.status_code == 429
    assert "Victim P." not in refused.get_data(as_text=True)
    assert client.get("/transfers/lookup", query_string={"to_account_number": recipient.number}).status_code == 429
