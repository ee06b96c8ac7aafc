"""SPEC section 10: after login a teller lands on /teller, an admin on /admin and a customer on /;
staff links are apart from a staff member's own banking."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize(("role", "landing"), [("customer", "/"), ("teller", "/teller"), ("admin", "/admin")])
def test_login_lands_each_role_where_it_works(web, role, landing):
    user = web.user(f"Someone {role}", role=role)
    response = web.login(user)
    assert response.status_code == 303
    assert response.headers["Location"] == landing
    assert web.client.get("/login").headers["Location"] == landing  # signed in already: the same place


def test_a_next_page_still_wins_over_the_landing(web):
    teller = web.user("Tess Teller", role="teller")
    token = web.csrf("/login")
    response = web.client.post(
        "/login", data={"email": teller.email, "password": PASSWORD, "csrf_token": token, "next": "/cards"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/cards"


def test_staff_navigation_keeps_work_and_own_banking_apart(web):
    web.staff("admin")
    html = web.client.get("/admin").get_data(as_text=True)
    staff_nav = re.search(r'<nav class="site-nav" aria-label="Staff">(.*?)</nav>', html, re.S).group(1)
    own_nav = re.search(r'<nav aria-label="My banking">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", staff_nav) == [
        "Admin",
        "Unlock",
        "Audit log",
        "Webhooks",
        "Teller desk",
        "Approvals",
    ]
    assert re.findall(r">([^<]+)</a>", own_nav) == ["Dashboard", "Transfer", "Cards", "Statements", "Security"]


def test_a_customer_has_one_navigation_without_staff_links(web):
    web.customer()
    html = web.client.get("/").get_data(as_text=True)
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert "My banking" not in html and "Teller desk" not in html
