"""Replacing and cancelling cards in a browser (issue 14): a customer replaces a lost card behind its
confirmation and sees the new number once, without a page load; a teller goes from the customer's page
to the customer's cards, replaces one with a reason, cancels another, and stays on the customer's view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from entities.users import Actor
from tests.conftest import PIN

pytestmark = pytest.mark.browser


def test_a_customer_replaces_a_lost_card_and_sees_the_new_number_once(visitor, live_server):
    rose, account, old = live_server.carded("Rose Tyler", 15_000)
    live_server.services.holds.authorize(Actor(user_id=rose.id, role=rose.role), old.id, 1_250, "Hotel Astoria", PIN)
    me = visitor("cards-replace")
    page = me.page
    me.login(rose.email)
    me.goto("/cards")
    slot = page.locator(f"#card-slot-{account.id}")
    expect(slot).to_contain_text(f"•••• •••• •••• {old.pan_last4}")
    me.shoot("own")
    assert me.axe_both_sizes("cards") == []

    # The confirmation opens in place; only one of Replace and Cancel is open at a time
    page.get_by_text("Replace card…").click()
    expect(slot.get_by_role("button", name=f"Yes, replace the card ending {old.pan_last4}")).to_be_visible()
    page.get_by_text("Cancel card…").click()
    expect(slot.get_by_role("button", name=f"Yes, replace the card ending {old.pan_last4}")).to_be_hidden()
    expect(slot.get_by_role("button", name=f"Yes, cancel the card ending {old.pan_last4}")).to_be_visible()
    page.get_by_text("Replace card…").click()
    slot.get_by_label("Reason for replacing (optional)").fill("Lost it on the bus")
    me.shoot("own-replace-confirm")
    me.mark_document()
    slot.get_by_role("button", name=f"Yes, replace the card ending {old.pan_last4}").click()

    # The new number, once; the old card's pending payment is still there to be taken
    expect(page.locator("#toasts")).to_contain_text(f"the card ending {old.pan_last4} is cancelled")
    reveal = slot.locator(".card-reveal")
    expect(reveal).to_contain_text("Write these down now.")
    expect(reveal).to_contain_text(f"It replaces the card ending {old.pan_last4}")
    pan = reveal.locator("[data-pan]").inner_text().replace(" ", "")
    assert re.fullmatch(r"[0-9]{16}", pan) and re.fullmatch(r"[0-9]{3}", reveal.locator("[data-cvv]").inner_text())
    expect(slot.locator("[data-masked-pan]")).to_have_text(f"•••• •••• •••• {pan[-4:]}")
    expect(slot.locator(".authorization").filter(has_text="Hotel Astoria")).to_contain_text("with a cancelled card")
    assert me.same_document()
    me.shoot("own-after-replace")
    assert me.axe_both_sizes("cards after replace") == []

    # After a reload only the last four digits are left
    me.goto("/cards")
    expect(slot.locator(".card-reveal")).to_have_count(0)
    expect(slot).to_contain_text(f"•••• •••• •••• {pan[-4:]}")
    assert pan not in page.content()
    assert me.watch.unexpected() == []


def test_a_teller_replaces_and_cancels_a_customers_cards_from_the_customers_page(visitor, live_server):
    martha, checking, first = live_server.carded("Martha Jones", 30_000)
    savings = live_server.account(martha, 5_000, type="savings")
    second = live_server.services.cards.issue(Actor(user_id=martha.id, role=martha.role), savings.id).card
    teller = live_server.user("Tom Teller", role="teller")
    me = visitor("cards-staff")
    page = me.page
    me.login(teller.email)
    me.goto(f"/teller/customers/{martha.id}")
    page.get_by_role("link", name="Cards of Martha Jones").click()
    expect(page.get_by_role("heading", name="Cards of Martha Jones", level=1)).to_be_visible()
    assert page.url.endswith(f"/cards?owner_id={martha.id}")
    me.shoot("staff-view")
    assert me.axe_both_sizes("staff cards") == []

    # A replace asks staff for a reason: the browser will not send the form without it
    slot = page.locator(f"#card-slot-{checking.id}")
    slot.get_by_text("Replace card…").click()
    reason = slot.get_by_label("Reason for replacing (kept in the audit log)")
    expect(reason).to_have_attribute("required", "")
    reason.fill("Card worn out, customer at the counter")
    me.mark_document()
    slot.get_by_role("button", name=f"Yes, replace the card ending {first.pan_last4}").click()
    expect(page.locator("#toasts")).to_contain_text("Martha Jones’s new card ending")
    expect(slot.locator(".card-reveal [data-pan]")).to_be_visible()
    expect(page.get_by_role("heading", name="Cards of Martha Jones", level=1)).to_be_visible()
    me.shoot("staff-after-replace")

    # A freeze of the customer's card asks for a reason too
    slot.get_by_text("Freeze card…").click()
    freeze_reason = slot.get_by_label("Reason for freezing (kept in the audit log)")
    expect(freeze_reason).to_have_attribute("required", "")
    freeze_reason.fill("Fraud alert from the card network")
    me.shoot("staff-freeze-confirm")
    slot.get_by_role("button", name=re.compile(r"^Yes, freeze the card ending \d{4}$")).click()
    expect(page.locator("#toasts")).to_contain_text("is frozen: purchases with it are declined")
    expect(slot.get_by_text("Unfreeze card…")).to_be_visible()

    # Cancel the savings card: the slot stays in Martha's view and offers a new card
    other = page.locator(f"#card-slot-{savings.id}")
    other.get_by_text("Cancel card…").click()
    other.get_by_label("Reason for cancelling (kept in the audit log)").fill("Reported stolen by phone")
    other.get_by_role("button", name=f"Yes, cancel the card ending {second.pan_last4}").click()
    expect(page.locator("#toasts")).to_contain_text(f"Martha Jones’s card ending {second.pan_last4} is cancelled")
    expect(other).to_contain_text("Issue a debit card…")
    expect(other.locator('input[name="owner_id"]')).to_have_value(str(martha.id))
    assert me.same_document()
    me.shoot("staff-after-cancel")
    assert me.watch.unexpected() == []
