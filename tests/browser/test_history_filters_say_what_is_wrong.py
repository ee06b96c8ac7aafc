"""SPEC section 10 (review of issue 14, item 2): a refused history filter is said in words next to the
filters, without a toast and without leaving the account page; filters that work clear the message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_an_inverted_range_is_said_beside_the_filters_and_cleared_when_fixed(visitor, live_server):
    mona = live_server.user("Mona Lisa")
    account = live_server.account(mona, 5_000)
    me = visitor("history-filters")
    page = me.page
    me.login(mona.email)
    me.goto(f"/accounts/{account.id}")

    page.locator(".history-filters summary").click()
    page.get_by_label("From", exact=True).fill("31 Dec 2026")
    page.get_by_label("To", exact=True).fill("01 Dec 2026")
    page.get_by_role("button", name="Apply filters").click()

    message = page.locator("#history-filter-message .form-message")
    expect(message).to_have_text("The start date is after the end date: nothing can match. Swap the From and To dates.")
    expect(page.locator("#history-rows")).to_contain_text("No transactions shown: correct the filters above.")
    expect(page.locator("#toasts .toast")).to_have_count(0)
    me.shoot("history-filter-refused")

    page.get_by_label("To", exact=True).fill("")
    page.get_by_label("From", exact=True).fill("")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#history-filter-message .form-message")).to_have_count(0)
    expect(page.locator("#history-rows")).to_contain_text("Cash deposit")
    assert me.watch.unexpected(allow=[r"status of 422"]) == []
