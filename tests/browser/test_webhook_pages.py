"""The admin's webhook page in a browser: a refusal on its field, the secret shown once, a delivery
seen by a real receiver, Send again, delete with a reason; and a customer account's events as staff
see them. axe-core at 1280x800 and 390x844; screenshots of each step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from entities.users import Actor
from tests.conftest import PIN
from tests.support.receiver import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_settings():
    return {"WEBHOOK_ALLOW_PRIVATE": True}  # the receiver is on 127.0.0.1


def test_admin_registers_sees_deliveries_sends_again_and_deletes(visitor, live_server):
    admin = live_server.user("Ada Admin", role="admin")
    customer = live_server.user("Grace Hopper")
    account = live_server.account(customer, 25_00)
    me = visitor("webhooks")
    page = me.page
    me.login(admin.email)
    me.goto("/admin")
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    me.shoot("empty")
    violations = me.axe_both_sizes("/admin/webhooks empty")

    with Receiver() as receiver:
        # No event chosen: the form says so next to the events, and keeps the URL
        page.get_by_label("Receiver URL").fill(receiver.url)
        page.get_by_role("button", name="Register webhook").click()
        expect(page.locator("#webhook-events-error")).to_have_text("Choose at least one event, or every event.")
        expect(page.get_by_label("Receiver URL")).to_have_value(receiver.url)
        me.shoot("refused")
        violations += me.axe_both_sizes("/admin/webhooks refused")

        page.get_by_label("Cash deposit").check()
        page.get_by_label("Transfer").check()
        page.get_by_label("Description (optional)").fill("ERP ledger sync")
        page.get_by_role("button", name="Register webhook").click()
        secret = page.get_by_label("Signing secret")
        expect(page.locator(".secret-once")).to_contain_text("only time the bank shows it")
        assert secret.input_value().startswith("whsec_")
        expect(page.locator("#webhook-list")).to_contain_text("Cash deposit, Transfer")
        expect(page.locator("#webhook-list")).to_contain_text("Nothing sent yet")
        me.shoot("registered")
        violations += me.axe_both_sizes("/admin/webhooks registered")

        # A deposit is delivered; the deliveries refresh in place
        live_server.services.ledger.deposit(live_server.counter, account.id, 12_50)
        live_server.services.deliver_webhooks()
        receiver.wait_for(1)
        me.mark_document()
        page.get_by_role("button", name="Refresh the deliveries of webhook").click()
        row = page.locator("#webhook-list tbody tr").first
        expect(row).to_contain_text("Cash deposit")
        expect(row).to_contain_text("Delivered")
        row.get_by_role("button", name="Send again").click()
        expect(page.locator("#toasts")).to_contain_text("will be sent again")
        live_server.services.deliver_webhooks()
        receiver.wait_for(2)
        page.get_by_role("button", name="Refresh the deliveries of webhook").click()
        expect(page.locator("#webhook-list tbody tr")).to_have_count(2)
        assert me.same_document()
        me.shoot("deliveries")
        violations += me.axe_both_sizes("/admin/webhooks deliveries")

    # Delete: confirmation with a reason
    page.locator("summary", has_text="Delete").click()
    page.get_by_role("button", name="Delete webhook").click()
    expect(page.get_by_label("Reason for deleting")).to_be_focused()  # required: nothing was sent
    page.get_by_label("Reason for deleting").fill("The ERP moved")
    me.shoot("delete-confirm")
    page.get_by_role("button", name="Delete webhook").click()
    expect(page.locator("#toasts")).to_contain_text("The webhook is deleted")
    expect(page.locator("#webhook-list")).to_contain_text("No webhooks yet")
    assert violations == [], "\n".join(violations)
    assert me.watch.unexpected(allow=[r"status of 422"]) == []  # the refused registration, on purpose


def test_staff_see_a_customers_account_events(visitor, live_server):
    teller = live_server.user("Tom Teller", role="teller")
    customer = live_server.user("Grace Hopper")
    bob = live_server.user("Bob Builder")
    account = live_server.account(customer, 80_00)
    bobs = live_server.account(bob)
    grace = Actor(user_id=customer.id, role=customer.role)
    live_server.services.ledger.transfer(grace, account.id, bobs.number, 12_50, PIN)
    me = visitor("account-events")
    me.login(teller.email)
    me.goto(f"/accounts/{account.id}")
    section = me.page.locator("section", has=me.page.get_by_role("heading", name="Events"))
    expect(section).to_contain_text("To Bob B.")
    expect(section).to_contain_text("Cash deposit")
    me.page.get_by_role("heading", name="Events").scroll_into_view_if_needed()
    me.shoot("teller")
    violations = me.axe_both_sizes(f"/accounts/{account.id} as a teller")
    assert violations == [], "\n".join(violations)
    assert me.watch.unexpected() == []
