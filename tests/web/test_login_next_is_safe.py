"""After login only a same-site path of safe ASCII characters is followed (otherwise "/"): a
non-Latin-1 `next` once put a value in HX-Redirect that made gunicorn drop the connection after the
session had been created."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

UNSAFE_NEXT = [
    "/ü",
    "/\u202e",  # what next=/%E2%80%AE decodes to
    "/accounts/\u0661",
    "/a b",
    '/a"onmouseover="x',
    "/a<b>",
    "/\\evil.example",
    "//evil.example/x",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\r\nSet-Cookie: x=1",
    "/x\x00",
    "/" + "a" * 600,
    "",
]


def _all_headers_are_latin1(response):
    for name, value in response.headers.items():
        name.encode("latin-1")
        value.encode("latin-1")


def _login(web, client, next_url, htmx):
    user = web.user()
    token = web.csrf("/login")
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"email": user.email, "password": PASSWORD, "next": next_url, "csrf_token": token}
    return client.post("/login", data=data, headers=headers)


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_an_htmx_login_with_an_unsafe_next_goes_home(web, client, next_url):
    response = _login(web, client, next_url, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"
    _all_headers_are_latin1(response)


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_a_plain_login_with_an_unsafe_next_goes_home(web, client, next_url):
    response = _login(web, client, next_url, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    _all_headers_are_latin1(response)


@pytest.mark.parametrize("next_url", ["/settings/security", "/accounts/7?kind=deposit&status=posted", "/statements"])
def test_a_safe_local_next_is_followed(web, client, next_url):
    response = _login(web, client, next_url, htmx=True)
    assert response.headers["HX-Redirect"] == next_url


def test_the_login_page_never_echoes_an_unsafe_next(client):
    page = client.get("/login", query_string={"next": "/\u202eevil"}).get_data(as_text=True)
    assert 'name="next"' not in page


def test_a_failed_login_keeps_only_a_safe_next(web, client):
    token = web.csrf("/login")
    data = {"email": "nobody@example.com", "password": "wrong password!", "next": "/ü", "csrf_token": token}
    response = client.post("/login", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert 'name="next"' not in response.get_data(as_text=True)
