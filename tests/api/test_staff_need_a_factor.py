"""SPEC 15: with MFA_REQUIRED_FOR_STAFF on, a teller or admin whose session was not verified with a
second factor gets 403 mfa_required on every staff route (enumerated from the URL map, API and
web), may still enrol, and works normally once signed in with a code. Customers are untouched."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import PASSWORD
from tests.support.routes import staff_routes
from tests.support.totp import enrol, login_with_code


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MFA_REQUIRED_FOR_STAFF": True}


@pytest.fixture
def audit(services):
    """Audit records read through the service, as the CLI reads them (no request, no session)."""
    from entities.users import Actor, Role

    def find(**filters):
        return services.audit.list(Actor(role=Role.ADMIN), limit=500, **filters)

    return find


@pytest.mark.parametrize("role", ["teller", "admin"])
def test_every_api_staff_route_refuses_a_password_only_staff_session(app, client, api, role, audit):
    user, headers = api.staff(role)
    routes = list(staff_routes(app, "/api/v1/"))
    assert len(routes) > 40  # the enumeration found the API
    for method, path, endpoint in routes:
        response = client.open(path, method=method, json={}, headers=headers)
        assert_problem(response, 403, "mfa_required")
    denied = [r for r in audit(action="mfa.required") if r.actor_id == user.id]
    assert len(denied) == len(routes)


def test_the_enrolment_path_stays_open(client, api, totp):
    user, headers = api.staff("teller")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me/sessions", headers=headers).status_code == 200
    enrol(client, headers, totp)
    # Confirming does not verify the session that enrolled: still refused.
    assert_problem(client.get("/api/v1/customers", query_string={"q": "a"}, headers=headers), 403, "mfa_required")


def test_after_a_login_with_a_code_staff_work_normally(client, api, totp):
    user, headers = api.staff("admin")
    secret, _ = enrol(client, headers, totp)
    pair = login_with_code(client, user.email, secret, totp)
    verified = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get("/api/v1/admin/users", headers=verified).status_code == 200
    assert client.get("/api/v1/admin/verify", headers=verified).status_code == 200


def test_a_staff_refresh_keeps_the_factor(client, api, totp):
    user, headers = api.staff("teller")
    secret, _ = enrol(client, headers, totp)
    pair = login_with_code(client, user.email, secret, totp)
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).json
    response = client.get(
        "/api/v1/customers", query_string={"q": "a"}, headers={"Authorization": f"Bearer {refreshed['access_token']}"}
    )
    assert response.status_code == 200


def test_customers_need_no_factor(client, api):
    user, headers = api.customer()
    account = api.funded_account(headers, 5_000)
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=headers).status_code == 200


def test_the_service_layer_refuses_too(services, api):
    """Not only the request hook: an Actor whose factor is missing holds no staff power anywhere."""
    from entities.errors import MfaRequired
    from entities.users import Actor, Role

    actor = Actor(user_id=1, role=Role.TELLER, amr=("pwd",), factor_missing=True)
    with pytest.raises(MfaRequired):
        services.admin.list_users(actor, limit=10)
    assert services.mfa.needs_factor(Role.TELLER, ("pwd",)) is True
    assert services.mfa.needs_factor(Role.TELLER, ("pwd", "otp")) is False
    assert services.mfa.needs_factor(Role.CUSTOMER, ("pwd",)) is False


def test_the_setting_off_lets_password_only_staff_work(app_config, tmp_path):
    from app import create_app

    app = create_app({**app_config, "MFA_REQUIRED_FOR_STAFF": False})
    client = app.test_client()
    services = app.extensions["corebank"]
    from entities.users import Actor, Role

    services.identity.register(Actor(), "off@example.com", PASSWORD, "Off Teller", role=Role.TELLER)
    pair = client.post("/api/v1/auth/login", json={"email": "off@example.com", "password": PASSWORD}).json
    response = client.get(
        "/api/v1/customers", query_string={"q": "a"}, headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert response.status_code == 200
