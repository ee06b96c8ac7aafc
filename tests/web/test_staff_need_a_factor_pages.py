"""SPEC 15 on the pages: with MFA_REQUIRED_FOR_STAFF on, a teller whose web session was not
verified with a code is refused every staff page (enumerated from the URL map) with a page that
says what to do, lands on the security page, and may still enrol."""

from __future__ import annotations

import pytest

from tests.support.routes import staff_routes


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MFA_REQUIRED_FOR_STAFF": True}


def test_every_web_staff_page_refuses_a_password_only_staff_session(app, web):
    web.staff("teller")
    token = web.csrf("/settings/security")
    routes = list(staff_routes(app, "/"))
    assert len(routes) > 30
    for method, path, endpoint in routes:
        if endpoint == "dashboard.index":
            response = web.client.get(path)
            assert response.status_code == 303 and response.headers["Location"].endswith("/settings/security")
            continue
        response = web.client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "authenticator app" in response.get_data(as_text=True)
