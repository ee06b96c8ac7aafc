"""The admin unlock journey, plus every page checked for console errors and CSP violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_admin_unlocks_a_user_locked_by_five_failed_logins(visitor, live_server):
    dave = live_server.user("Dave Grohl")
    admin = live_server.user("Ada Admin", role="admin")

    # Dave mistypes his password five times; the sixth attempt, even right, is refused
    dave_browser = visitor("locked")
    page = dave_browser.page
    for attempt in range(5):
        dave_browser.login(dave.email, f"wrong password {attempt}!")
        expect(page.locator(".form-message")).to_have_text("Wrong email or password.")
    dave_browser.login(dave.email, PASSWORD)
    expect(page.locator(".form-message")).to_contain_text("locked")
    dave_browser.shoot("login-locked")

    # The admin finds him on the unlock page and unlocks his row in place
    me = visitor("admin")
    me.login(admin.email)
    me.goto("/admin/unlock")
    row = me.page.locator("tr", has_text="Dave Grohl")
    expect(row).to_be_visible()
    me.shoot("unlock")
    me.mark_document()
    row.get_by_role("button", name="Unlock Dave Grohl").click()
    expect(row).to_contain_text("Unlocked")
    expect(me.page.locator("#toasts")).to_contain_text("Dave Grohl can log in again.")
    assert me.same_document()
    me.shoot("unlock-done")

    # Dave logs in
    dave_browser.login(dave.email, PASSWORD)
    expect(page).to_have_url(live_server.url + "/")  # a customer lands on the dashboard
    expect(page.get_by_role("heading", name="Hello, Dave Grohl")).to_be_visible()

    assert me.watch.unexpected() == []
    # Dave's failed logins answered 401 and 423: expected, nothing else is
    assert dave_browser.watch.unexpected(allow=[r"status of 401", r"status of 423"]) == []


def test_admin_pages_users_roles_audit_and_verification(visitor, live_server):
    customer = live_server.user("Eve Customer")
    live_server.account(customer, 12_345)
    live_server.user("Lou Locked")
    admin = live_server.user("Ada Admin", role="admin")
    me = visitor("admin-pages")
    page = me.page
    me.login(admin.email)

    me.goto("/admin")
    # A role change asks for confirmation and a reason; the admin's own row offers no selector
    expect(page.locator(f"#user-{admin.id} select")).to_have_count(0)
    row = page.locator("tr", has_text="Eve Customer")
    row.locator("summary", has_text="Change").click()
    row.get_by_label("New role").select_option("teller")
    row.get_by_role("button", name="Change role of Eve Customer").click()
    expect(row.get_by_label("Reason for the role change")).to_be_focused()  # required: nothing was sent
    row.get_by_label("Reason for the role change").fill("Joined the Main Street branch")
    me.shoot("admin-role-confirm")
    row.get_by_role("button", name="Change role of Eve Customer").click()
    expect(page.locator("#toasts")).to_contain_text("Eve Customer is now teller.")

    # Lock the same way
    lou = page.locator("tr", has_text="Lou Locked")
    lou.locator("summary.button-danger").click()
    lou.get_by_label("Reason for locking").fill("Account takeover suspected")
    lou.get_by_role("button", name="Lock Lou Locked").click()
    expect(page.locator("#toasts")).to_contain_text("Lou Locked is locked and signed out everywhere.")
    page.get_by_role("button", name="Run verification").click()
    expect(page.locator("#verification")).to_contain_text("All checks passed")
    me.shoot("admin")

    me.goto("/admin/audit")
    page.get_by_label("Action").select_option(label="Role changed")  # a list of actions in words
    expect(page.locator("#audit-rows tr")).to_have_count(1)
    expect(page.locator("#audit-rows")).to_contain_text("Role changed")
    expect(page.locator("#audit-rows")).to_contain_text("Joined the Main Street branch")  # the audit keeps the reason
    me.shoot("audit")

    assert me.watch.unexpected() == []


PAGES = [
    "/",
    "/accounts/{account_id}",
    "/transfers/new",
    "/cards",
    "/statements",
    "/settings/security",
    "/teller",
    "/teller/customers/{customer_id}",
    "/admin",
    "/admin/unlock",
    "/admin/audit",
    "/admin/verify",
    "/approvals",
    "/admin/webhooks",
]


def test_no_page_logs_a_console_error_breaks_the_csp_or_fails_axe(visitor, live_server):
    admin = live_server.user("Ada Admin", role="admin")
    customer = live_server.user("Frank Customer")
    live_server.account(customer, 5_000)
    own = live_server.account(admin, 99_00)
    anonymous = visitor("anonymous")
    violations = []
    for path in ("/login", "/register", "/api/v1/docs"):
        anonymous.goto(path)
        violations += anonymous.axe_both_sizes(path)
    # Swagger UI's own markup: a copy button inside each operation's toggle button, tag headings that
    # skip a level, and its info block outside its own <main>. None is ours to change; everything else
    # on its page (contrast, names, landmarks) is checked.
    third_party = ("/api/v1/docs: nested-interactive", "/api/v1/docs: heading-order", "/api/v1/docs: region")
    violations = [v for v in violations if not any(rule in v for rule in third_party)]
    me = visitor("sweep")
    me.login(admin.email)
    for path in PAGES:
        url = path.format(account_id=own.id, customer_id=customer.id)
        response = me.goto(url)
        assert response.status == 200, url
        expect(me.page.locator("main h1").first).to_be_visible()
        me.shoot(re.sub(r"\W+", "-", path.strip("/").replace("{", "").replace("}", "")) or "dashboard")
        violations += me.axe_both_sizes(path)  # axe-core: no violation on any page at 1280x800 and 390x844
    assert violations == [], "\n".join(violations)
    assert anonymous.watch.unexpected() == []
    assert me.watch.unexpected() == []
