"""SPEC section 10 (issue 14, item 7): a teller lands on the teller desk and an admin on the admin
page, with the work links as the navigation and their own banking behind "My banking"; on a phone
the header stays short."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "path", "heading"), [("teller", "/teller", "Teller desk"), ("admin", "/admin", "Admin")]
)
def test_staff_land_on_their_work_page(visitor, live_server, role, path, heading):
    person = live_server.user(f"Sam {role.capitalize()}", role=role)
    me = visitor(f"landing-{role}")
    page = me.page
    me.login(person.email)
    expect(page).to_have_url(live_server.url + path)
    expect(page.get_by_role("heading", name=heading, exact=False).first).to_be_visible()
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
    expect(page.get_by_role("navigation", name="My banking")).to_be_hidden()

    page.get_by_text("My banking").click()
    own = page.get_by_role("navigation", name="My banking")
    expect(own.get_by_role("link", name="Dashboard")).to_be_visible()
    found = me.axe_both_sizes(f"{role} landing")
    assert found == [], "\n".join(found)
    page.get_by_text("My banking").click()

    page.set_viewport_size(PHONE)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 100, f"the header is {header['height']} px tall on a phone"
    me.shoot("landing")
    assert me.watch.unexpected() == []
