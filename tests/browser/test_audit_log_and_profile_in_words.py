"""Review of issue 14, items 7 and 8, in a browser: the audit log viewer in words (euros, masked
account numbers, names, reasons) with its action list; the security page's zone picker, grouped by
region, selecting a zone stored under its old name. Both pass axe-core at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from entities.errors import DomainError
from entities.users import Actor
from tests.conftest import PIN

pytestmark = pytest.mark.browser


def test_the_audit_log_reads_in_words(visitor, live_server):
    services = live_server.services
    grace = live_server.user("Grace Hopper")
    me_grace = Actor(user_id=grace.id, role=grace.role)
    euros = services.accounts.open(me_grace, "savings", PIN, currency="EUR")
    services.ledger.deposit(live_server.counter, euros.id, 5_000)
    with pytest.raises(DomainError):
        services.ledger.withdraw(me_grace, euros.id, 100, "9999")
    admin = live_server.user("Ada Admin", role="admin")
    me = visitor("audit-words")
    page = me.page
    me.login(admin.email)
    me.goto("/admin/audit")

    rows = page.locator("#audit-rows")
    expect(rows).to_contain_text(f"Savings ···{euros.number[-4:]}")
    expect(rows).to_contain_text("€50.00")
    expect(rows).to_contain_text("Wrong PIN")
    me.shoot("audit-all")
    page.get_by_label("Action").select_option(label="Cash withdrawal")
    expect(rows.locator("tr")).to_have_count(1)
    expect(rows).to_contain_text("Cash withdrawal")
    expect(rows).to_contain_text("Reason: Wrong PIN")
    me.shoot("audit-withdrawals")
    assert me.axe_both_sizes("audit log") == []
    assert me.watch.unexpected() == []


def test_the_zone_picker_selects_an_old_zone_name_and_saving_keeps_it(visitor, live_server):
    ravi = live_server.user("Ravi Raman")
    live_server.services.identity.update_profile(Actor(user_id=ravi.id, role=ravi.role), timezone="Asia/Calcutta")
    me = visitor("security-zone")
    page = me.page
    me.login(ravi.email)
    me.goto("/settings/security")
    picker = page.get_by_label("Time zone")
    expect(picker).to_have_value("Asia/Kolkata")
    assert page.locator("#profile-timezone optgroup[label='Asia'] option[value='Asia/Kolkata']").count() == 1
    me.shoot("security")
    assert me.axe_both_sizes("security") == []
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#toasts")).to_contain_text("Profile saved.")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    assert me.watch.unexpected() == []
