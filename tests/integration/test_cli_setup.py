"""Issue 14, item 17: the setup commands say what they did and what is next: staff get a name,
seed-demo names the profiles it skipped and prints the account numbers a walkthrough needs,
and db upgrade on a database the app already migrated says the schema is up to date."""

from __future__ import annotations

import re

import pytest

from entities.users import Actor
from services.demo import CUSTOMERS
from tests.conftest import PASSWORD


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_create_teller_takes_a_name_and_says_where_they_land(cli, services):
    result = cli.invoke(args=["create-teller", "--email", "tess@example.com", "--name", "Tess Teller"], input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "created teller Tess Teller <tess@example.com>" in result.output
    assert "they land on /teller" in result.output
    assert "open /settings/security" in result.output  # how the new teller enrols a second factor


def test_create_admin_without_a_name_uses_the_email(cli):
    result = cli.invoke(args=["create-admin", "--email", "root@example.com"], input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "created admin root <root@example.com>" in result.output


def test_seed_demo_names_skipped_profiles_and_prints_account_numbers(cli, services):
    services.identity.register(Actor(), CUSTOMERS[0][0], PASSWORD, "Someone Else")
    result = cli.invoke(args=["seed-demo", "--months", "1"])
    assert result.exit_code == 0, result.output
    assert f"skipped {CUSTOMERS[0][0]}: already registered (its own password, not the demo one)" in result.output
    assert f"created {len(CUSTOMERS) - 1} demo customer(s)" in result.output
    for email, _ in CUSTOMERS[1:]:
        assert re.search(rf"{re.escape(email)}  checking \d{{10}}, savings \d{{10}}", result.output), result.output


def test_a_seeded_demo_bank_verifies(cli, services):
    """seed-demo writes months of history directly: every entry with its two legs and the audit record a
    movement of its own would write, so `flask verify` passes on the demo bank."""
    assert cli.invoke(args=["seed-demo", "--months", "1"]).exit_code == 0
    services.uow.seal()
    assert [check.name for check in services.verification.run() if not check.passed] == []
    result = cli.invoke(args=["verify"])
    assert result.exit_code == 0, result.output


def test_db_upgrade_on_a_migrated_database_says_the_schema_is_up_to_date(cli):
    result = cli.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "the database schema is up to date" in result.output
    assert "nothing" not in result.output
