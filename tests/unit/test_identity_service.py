"""IdentityService in-process: registration, login lockout, profile and password."""

import pytest

from entities.errors import EmailTaken, InvalidCredentials, UserLocked, ValidationFailed
from entities.users import Actor, Role
from tests.unit.conftest import PASSWORD

ANON = Actor(ip="127.0.0.1")


def test_register_normalises_the_email_and_stores_a_bcrypt_hash(services):
    user = services.identity.register(ANON, "Alice@Example.COM", PASSWORD, " Alice Cooper ")
    assert (user.email, user.full_name, user.role) == ("alice@example.com", "Alice Cooper", Role.CUSTOMER)
    assert user.password_hash.startswith("$2b$04$") and PASSWORD not in user.password_hash


def test_register_refuses_an_email_differing_only_in_case(services, bank):
    services.identity.register(ANON, "bob@example.com", PASSWORD, "Bob")
    with pytest.raises(EmailTaken):
        services.identity.register(ANON, "BOB@example.com", PASSWORD, "Bob Two")
    failures = bank.audit(action="register", outcome="failure")
    assert [r.details["reason"] for r in failures] == ["email_taken"]


def test_register_refuses_bad_input_before_touching_the_database(services, bank):
    before = len(bank.audit())
    with pytest.raises(ValidationFailed):
        services.identity.register(ANON, "carol@example.com", "short", "Carol")
    assert len(bank.audit()) == before


def test_authenticate_is_case_insensitive_on_email(services):
    services.identity.register(ANON, "dave@example.com", PASSWORD, "Dave")
    assert services.identity.authenticate(ANON, "DAVE@example.com", PASSWORD).email == "dave@example.com"


def test_unknown_email_and_wrong_password_raise_the_same_error(services):
    services.identity.register(ANON, "erin@example.com", PASSWORD, "Erin")
    with pytest.raises(InvalidCredentials) as unknown:
        services.identity.authenticate(ANON, "nobody@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials) as wrong:
        services.identity.authenticate(ANON, "erin@example.com", "wrong password here")
    assert unknown.value.detail == wrong.value.detail


def test_five_failures_lock_and_the_sixth_attempt_is_locked_even_with_the_right_password(services, bank):
    user = services.identity.register(ANON, "frank@example.com", PASSWORD, "Frank")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            services.identity.authenticate(ANON, "frank@example.com", "wrong password here")
    with pytest.raises(UserLocked):
        services.identity.authenticate(ANON, "frank@example.com", PASSWORD)
    assert [r.resource_id for r in bank.audit(action="user.lockout")] == [str(user.id)]


def test_a_success_resets_the_failure_count(services):
    services.identity.register(ANON, "gina@example.com", PASSWORD, "Gina")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            services.identity.authenticate(ANON, "gina@example.com", "wrong password here")
    services.identity.authenticate(ANON, "gina@example.com", PASSWORD)
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            services.identity.authenticate(ANON, "gina@example.com", "wrong password here")
    assert services.identity.authenticate(ANON, "gina@example.com", PASSWORD).failed_logins == 0


def test_a_non_string_password_is_a_failed_login_not_a_crash(services):
    services.identity.register(ANON, "hank@example.com", PASSWORD, "Hank")
    with pytest.raises(InvalidCredentials):
        services.identity.authenticate(ANON, "hank@example.com", 12345)


def test_update_profile_validates_the_timezone(services, bank):
    actor = bank.actor()
    with pytest.raises(ValidationFailed):
        services.identity.update_profile(actor, timezone="Mars/Olympus")
    updated = services.identity.update_profile(actor, full_name="New Name", timezone="Europe/Paris")
    assert (updated.full_name, updated.timezone) == ("New Name", "Europe/Paris")


def test_change_password_with_a_wrong_current_password_changes_nothing(services, bank):
    actor = bank.actor()
    before = services.identity.get(actor).password_hash
    with pytest.raises(ValidationFailed) as caught:
        services.identity.change_password(actor, "not my password", "a brand new password")
    assert caught.value.errors == [{"field": "current_password", "message": "is incorrect"}]
    assert services.identity.get(actor).password_hash == before


def test_change_password_makes_the_new_one_work(services, bank):
    actor = bank.actor()
    email = services.identity.get(actor).email
    services.identity.change_password(actor, PASSWORD, "a brand new password")
    with pytest.raises(InvalidCredentials):
        services.identity.authenticate(ANON, email, PASSWORD)
    assert services.identity.authenticate(ANON, email, "a brand new password").id == actor.user_id
