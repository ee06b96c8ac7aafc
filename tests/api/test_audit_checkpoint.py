"""GET /api/v1/admin/audit/checkpoint: admins get the chain's checkpoint, the same JSON
`flask audit-checkpoint` prints; anyone else is refused (403) and the refusal is audited."""

import json

import pytest

from tests.api.helpers import assert_problem


def _cli_checkpoint(app) -> dict:
    result = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_admin_gets_the_checkpoint_the_cli_prints(app, client, admin, api):
    _, headers = api.customer()
    api.funded_account(headers, 2_500)
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
