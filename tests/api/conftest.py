"""API fixtures on top of tests/conftest.py: staff headers, audit look-ups, history."""

import pytest

from tests.support import databases
from tests.support.scratch import scratch_dir


@pytest.fixture
def db_dir(tmp_path):
    yield from scratch_dir(tmp_path)


@pytest.fixture
def app_config(app_config, db_dir):
    """The root configuration, with the SQLite file in RAM when possible; on the PostgreSQL pass
    (COREBANK_TEST_DATABASE=postgresql) the root's own PostgreSQL database, so the API suite runs
    on both backends."""
    if databases.on_postgresql():
        return app_config
    return {**app_config, "DATABASE_URL": f"sqlite:///{db_dir / 'corebank.db'}"}


@pytest.fixture
def admin(api):
    """(user, auth headers) of an admin."""
    return api.staff("admin")


@pytest.fixture
def teller(api):
    return api.staff("teller")


@pytest.fixture
def audit(client, admin):
    """Audit records matching filters, newest first, read through the admin API."""

    def find(**filters):
        response = client.get("/api/v1/admin/audit", query_string={"limit": 200, **filters}, headers=admin[1])
        assert response.status_code == 200, response.json
        return response.json["items"]

    return find


@pytest.fixture
def history(client):
    """Every history item of an account, as its owner (or staff) sees it."""

    def fetch(headers, account_id, **query):
        response = client.get(
            f"/api/v1/accounts/{account_id}/transactions", query_string={"limit": 200, **query}, headers=headers
        )
        assert response.status_code == 200, response.json
        return response.json["items"]

    return fetch
