"""SPEC section 10, "Times": a new user's time zone is the browser's, and shown times name their zone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_new_profile_takes_the_browsers_zone_and_times_say_it(browser, live_server):
    context = browser.new_context(timezone_id="Europe/Berlin", base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/register")
        page.get_by_label("Full name").fill("Berta Berlin")
        page.get_by_label("Email").fill("berta@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create profile").click()
        expect(page).to_have_url(live_server.url + "/")
        page.goto("/settings/security")
        expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
        expect(page.locator("#sessions, main").first).to_contain_text("CET")  # session times carry the zone
    finally:
        context.close()
