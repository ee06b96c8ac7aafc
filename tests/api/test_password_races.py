"""A password checked while the password changes (SPEC section 2), through the services, on a file
database (SQLite) or, in the PostgreSQL pass, on PostgreSQL. bcrypt runs outside every transaction,
against the hash read before it; the check is held right after bcrypt while the password changes,
then let go: the attempt is judged against the password in force when it is settled, never against
the one it was checked against."""

import itertools
import threading

import pytest

from entities.errors import InvalidCredentials, TokenInvalid, ValidationFailed
from entities.users import Actor, Role, User
from services import crypto
from services.identity import MfaChallenge
from tests.conftest import PASSWORD
from tests.support import databases
from tests.support.totp import enrol

NEW = "the new secret password 99"
OTHER = "another new password 77"
_counter = itertools.count(1)


@pytest.fixture
def app_config(app_config, database_url):
    return {**app_config, "DATABASE_URL": database_url} if databases.on_postgresql() else app_config


@pytest.fixture
def held_check(monkeypatch):
    """``held_check(call)``: run ``call`` on a thread of its own, held right after its first bcrypt
    check; returns ``finish()``, which lets it go and returns what it returned or raised."""
    real = crypto.verify_password
    checked, go = threading.Event(), threading.Event()

    def check_then_wait(password, password_hash):
        ok = real(password, password_hash)
        if threading.current_thread().name == "held" and not checked.is_set():
            checked.set()
            go.wait(10)
        return ok

    monkeypatch.setattr(crypto, "verify_password", check_then_wait)

    def start(call):
        result = {}

        def run():
            try:
                result["value"] = call()
            except Exception as error:  # asserted on by the test
                result["value"] = error

        thread = threading.Thread(target=run, name="held")
        thread.start()
        assert checked.wait(10)

        def finish():
            go.set()
            thread.join(30)
            return result["value"]

        return finish

    return start


def _customer(services):
    user = services.identity.register(Actor(), f"race{next(_counter)}@example.com", PASSWORD, "Race Customer")
    return user, Actor(user_id=user.id, role=Role.CUSTOMER, ip="127.0.0.1")


def _failed_logins(services, user_id):
    with services.uow(write=False) as uow:
        return uow.users.get(user_id).failed_logins


def _can_log_in(services, email, password):
    try:
        return isinstance(services.identity.authenticate(Actor(ip="127.0.0.1"), email, password), User)
    except InvalidCredentials:
        return False


def test_a_login_with_the_old_password_settled_after_the_change_fails(app, services, held_check):
    user, actor = _customer(services)
    finish = held_check(lambda: services.identity.authenticate(Actor(ip="6.6.6.6"), user.email, PASSWORD))
    services.identity.change_password(actor, PASSWORD, NEW)  # revokes every session: none may come after
    assert isinstance(finish(), InvalidCredentials)
    assert _failed_logins(services, user.id) == 1  # the old password, judged after the change: a wrong one
    assert _can_log_in(services, user.email, NEW)


def test_a_login_with_the_new_password_settled_after_the_change_succeeds_uncounted(app, services, held_check):
    user, actor = _customer(services)
    finish = held_check(lambda: services.identity.authenticate(Actor(ip="127.0.0.1"), user.email, NEW))
    services.identity.change_password(actor, PASSWORD, NEW)
    result = finish()
    assert isinstance(result, User) and result.id == user.id
    assert _failed_logins(services, user.id) == 0


def test_a_password_change_checked_against_a_replaced_password_is_refused(app, services, held_check):
    user, actor = _customer(services)
    finish = held_check(lambda: services.identity.change_password(actor, PASSWORD, OTHER))
    services.identity.change_password(actor, PASSWORD, NEW)  # another session of the user changes it first
    result = finish()
    assert isinstance(result, ValidationFailed)
    assert result.errors == [{"field": "current_password", "message": "is incorrect"}]
    assert _can_log_in(services, user.email, NEW)
    assert not _can_log_in(services, user.email, OTHER)


def test_a_sign_in_step_begun_with_the_old_password_ends_with_the_change(api, services, totp):
    """A right password with a factor is a login in flight for five minutes (the mfa_token): the
    change that revokes every other session ends it too, or its code would open one afterwards."""
    user, headers = api.customer()
    secret, _ = enrol(api.client, headers, totp)
    challenge = services.identity.authenticate(Actor(ip="6.6.6.6"), user["email"], PASSWORD)
    assert isinstance(challenge, MfaChallenge)
    services.identity.change_password(Actor(user_id=user["id"], role=Role.CUSTOMER), PASSWORD, NEW)
    with pytest.raises(TokenInvalid):
        services.identity.complete_mfa(Actor(ip="6.6.6.6"), challenge.mfa_token, totp.code(secret))
    fresh = services.identity.authenticate(Actor(ip="127.0.0.1"), user["email"], NEW)
    assert isinstance(services.identity.complete_mfa(Actor(), fresh.mfa_token, totp.code(secret)), User)
