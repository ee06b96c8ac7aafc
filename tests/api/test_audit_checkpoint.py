"""GET /api/v1/admin/audit/checkpoint: admins get the chain's checkpoint, the same JSON
`flask audit-checkpoint` prints; anyone else is refused (403) and the refusal is audited. A
checkpoint the bank issued always verifies, on PostgreSQL too, where records are chained in commit
order and the newest one's id can be below the count (SPEC sections 7 and 17). On the suite's backend."""

import json

import pytest

from entities.users import Actor
from repository.postgresql.sealer import SEALER_LOCK
from services.audit import record
from tests.api.helpers import assert_problem, raw_connection
from tests.support import databases


@pytest.fixture
def app_config(app_config, database_url):
    """This file runs on the suite's backend: PostgreSQL in the PostgreSQL pass."""
    return {**app_config, "DATABASE_URL": database_url} if databases.on_postgresql() else app_config


def _cli_checkpoint(app) -> dict:
    result = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_admin_gets_the_checkpoint_the_cli_prints(app, client, admin, api, services):
    _, headers = api.customer()
    api.funded_account(headers, 2_500)
    services.uow.seal()  # PostgreSQL: the chain as it stands is what the sealer has chained
    expected = _cli_checkpoint(app)

    response = client.get("/api/v1/admin/audit/checkpoint", headers=admin[1])

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == expected
    assert list(response.json) == ["count", "last_id", "head"]
    newest = client.get("/api/v1/admin/audit", query_string={"limit": 2}, headers=admin[1]).json["items"]
    # Its own audit record comes after the head it reports, and names it.
    assert (newest[1]["id"], newest[1]["hash"]) == (expected["last_id"], expected["head"])
    assert (newest[0]["action"], newest[0]["outcome"], newest[0]["details"]) == (
        "audit.checkpoint",
        "success",
        expected,
    )
    assert expected["count"] == expected["last_id"] == newest[1]["id"]


def test_a_checkpoint_from_the_api_verifies_with_the_cli(app, client, admin, tmp_path):
    path = tmp_path / "checkpoint.json"
    path.write_text(client.get("/api/v1/admin/audit/checkpoint", headers=admin[1]).get_data(as_text=True))

    result = app.test_cli_runner().invoke(args=["verify", "--checkpoint", str(path)])

    assert result.exit_code == 0, result.output
    assert "PASS  audit_extends_checkpoint" in result.output


@pytest.mark.parametrize("who", ["teller", "customer"])
def test_only_admins_get_a_checkpoint_and_refusals_are_audited(api, client, teller, audit, who):
    user, headers = teller if who == "teller" else api.customer()
    user_id = user.id if who == "teller" else user["id"]  # staff come from the service, customers from the API

    assert_problem(client.get("/api/v1/admin/audit/checkpoint", headers=headers), 403, "forbidden")

    [denial] = audit(action="audit.checkpoint")
    assert (denial["actor_id"], denial["outcome"]) == (user_id, "denied")


def test_a_checkpoint_needs_a_token(client):
    assert_problem(client.get("/api/v1/admin/audit/checkpoint"), 401, "unauthorized")


def test_the_checkpoint_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/admin/audit/checkpoint"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Checkpoint")
    assert {"200", "401", "403"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["Checkpoint"]
    assert set(schema["required"]) == {"count", "last_id", "head"}


def _verify_with(app, tmp_path, checkpoint: dict):
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint))
    return app.test_cli_runner().invoke(args=["verify", "--checkpoint", str(path)])


@pytest.fixture
def interleaved(app, services):
    """Two transactions committed in the order opposite to their start, chained by one sealing pass:
    the first to start (a lower transaction id) writes its record, a higher id, last. The chain runs
    in commit order of transaction ids, so its newest record has an id below the count."""
    actor = Actor(ip="127.0.0.1")
    with raw_connection(app) as busy:
        busy.execute("SELECT pg_advisory_lock(?)", (SEALER_LOCK,))  # no sealing pass between the commits
        first, second = services.uow(), services.uow()
        with first, second:
            first.conn.execute("SELECT pg_current_xact_id()")
            record(second, actor, "demo.second", "success")
            second.commit()
            record(first, actor, "demo.first", "success")
            first.commit()
        busy.execute("SELECT pg_advisory_unlock(?)", (SEALER_LOCK,))
    services.uow.seal()


@pytest.mark.skipif(not databases.on_postgresql(), reason="PostgreSQL: records chained in transaction order")
def test_a_checkpoint_whose_count_exceeds_its_last_id_verifies(app, client, admin, interleaved, tmp_path):
    checkpoint = _cli_checkpoint(app)
    assert checkpoint["count"] > checkpoint["last_id"]  # what the sealer's order makes possible

    result = _verify_with(app, tmp_path, checkpoint)

    assert result.exit_code == 0, result.output
    assert "PASS  audit_extends_checkpoint" in result.output
    issued = client.get("/api/v1/admin/audit/checkpoint", headers=admin[1]).json
    assert _verify_with(app, tmp_path, issued).exit_code == 0


@pytest.mark.skipif(not databases.on_postgresql(), reason="PostgreSQL: records chained in transaction order")
def test_a_log_truncated_behind_such_a_checkpoint_still_fails(app, interleaved, tmp_path):
    checkpoint = _cli_checkpoint(app)
    with raw_connection(app) as db, db.trigger_lifted("audit_log", "audit_log_no_delete"):
        db.execute("DELETE FROM audit_log WHERE id = ?", (checkpoint["last_id"],))

    result = _verify_with(app, tmp_path, checkpoint)

    assert result.exit_code == 1
    assert f"record {checkpoint['last_id']} is gone" in result.output
