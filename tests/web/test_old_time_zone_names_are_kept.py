"""SPEC section 10, "Times" (review of issue 14, item 8): a browser that reports an old alias of a
time zone ("Asia/Calcutta", "Europe/Kiev") gets the zone's current name; the picker selects a
profile's zone even when it was stored under an old name, so "Save profile" never moves anyone to
UTC; the picker groups the zones by region."""

from __future__ import annotations

import pytest

from entities.users import Actor, Role
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("browser", "stored"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("Etc/UTC", "UTC"),
        ("US/Eastern", "America/New_York"),
    ],
)
def test_registration_stores_the_current_name_of_an_old_browser_zone(web, browser, stored):
    data = {"email": "zone@example.com", "password": PASSWORD, "full_name": "Zoe Zone", "timezone": browser}
    assert web.post("/register", data).status_code == 303
    assert web.sql("SELECT timezone FROM users WHERE email = 'zone@example.com'") == [(stored,)]


def test_the_picker_selects_a_zone_stored_under_its_old_name(web, client):
    user = web.customer("Ravi Kolkata")
    web.services.identity.update_profile(Actor(user_id=user.id, role=Role.CUSTOMER), timezone="Asia/Calcutta")
    html = client.get("/settings/security").get_data(as_text=True)
    assert '<option value="Asia/Kolkata" selected>' in html
    assert 'value="Asia/Calcutta"' not in html  # the old name is not offered beside the new one


def test_saving_the_profile_keeps_the_zone_stored_under_its_old_name(web, client):
    user = web.customer("Olena Kyiv")
    web.services.identity.update_profile(Actor(user_id=user.id, role=Role.CUSTOMER), timezone="Europe/Kiev")
    html = client.get("/settings/security").get_data(as_text=True)
    assert '<option value="Europe/Kyiv" selected>' in html  # what the form sends back on Save
    assert web.post("/settings/profile", {"full_name": "Olena Kyiv", "timezone": "Europe/Kyiv"}).status_code == 303
    assert web.sql("SELECT timezone FROM users WHERE id = ?", user.id) == [("Europe/Kyiv",)]


def test_a_profile_sent_with_an_old_zone_name_is_stored_under_the_current_one(web):
    user = web.customer("Ravi Kolkata")
    assert web.post("/settings/profile", {"full_name": "Ravi Kolkata", "timezone": "Asia/Calcutta"}).status_code == 303
    assert web.sql("SELECT timezone FROM users WHERE id = ?", user.id) == [("Asia/Kolkata",)]


def test_a_zone_the_picker_does_not_list_is_still_offered_as_the_current_one(web, client):
    user = web.customer("Pat Posix")
    web.services.identity.update_profile(Actor(user_id=user.id, role=Role.CUSTOMER), timezone="EST5EDT")
    html = client.get("/settings/security").get_data(as_text=True)
    assert '<option value="EST5EDT" selected>EST5EDT (your current zone)</option>' in html


def test_the_picker_groups_zones_by_region(web, client):
    web.customer("Zoe Zone")
    html = client.get("/settings/security").get_data(as_text=True)
    picker = html[html.index('id="profile-timezone"') : html.index("</select>", html.index('id="profile-timezone"'))]
    assert '<optgroup label="Europe">' in picker and '<optgroup label="Asia">' in picker
    assert '<option value="UTC" selected>UTC</option>' in picker
    assert ">Berlin (UTC+" in picker or ">Berlin (UTC-" in picker  # the region is the group's label
