"""SPEC 15 under real threads, through the services, on the suite's backend (a SQLite file, or
PostgreSQL in the PostgreSQL pass): a code is accepted once however many requests present it at
the same moment, and an mfa_token signs in once."""

from entities import mfa
from entities.errors import InvalidCode, TokenInvalid
from entities.ledger import JournalEntry
from entities.users import Actor, Role, User
from services.identity import MfaChallenge
from services.totp import code_at
from tests.conftest import PASSWORD, PIN
from tests.support.threads import race
from tests.support.totp import enrol

ANON = Actor(ip="10.1.1.1")


def _enrolled_customer(api, totp):
    user, headers = api.customer()
    secret, _ = enrol(api.client, headers, totp)
    return user, headers, secret


def _fresh_code(totp, secret):
    totp.tick()
    return code_at(secret, mfa.step_of(totp.now()))


def test_one_code_presented_by_six_logins_at_once_signs_in_once(api, services, totp):
    user, _, secret = _enrolled_customer(api, totp)
    challenges = [services.identity.authenticate(ANON, user["email"], PASSWORD) for _ in range(6)]
    assert all(isinstance(c, MfaChallenge) for c in challenges)
    code = _fresh_code(totp, secret)
    results = race(*[lambda c=c: services.identity.complete_mfa(ANON, c.mfa_token, code) for c in challenges])
    assert sum(isinstance(r, User) for r in results) == 1
    assert sum(isinstance(r, InvalidCode) for r in results) == 5


def test_one_mfa_token_presented_at_once_with_two_good_codes_signs_in_once(api, services, totp):
    user, _, secret = _enrolled_customer(api, totp)
    challenge = services.identity.authenticate(ANON, user["email"], PASSWORD)
    totp.tick()
    step = mfa.step_of(totp.now())
    codes = [code_at(secret, step), code_at(secret, step + 1)]  # both inside the drift window
    results = race(
        *[lambda code=code: services.identity.complete_mfa(ANON, challenge.mfa_token, code) for code in codes]
    )
    assert sum(isinstance(r, User) for r in results) == 1
    assert sum(isinstance(r, (TokenInvalid, InvalidCode)) for r in results) == 1


def test_one_step_up_code_moves_money_once(api, services, totp):
    user, headers, secret = _enrolled_customer(api, totp)
    account = api.funded_account(headers, 1_000_000)
    actor = Actor(user_id=user["id"], role=Role.CUSTOMER)
    code = _fresh_code(totp, secret)
    results = race(*[lambda: services.ledger.withdraw(actor, account["id"], 100_000, PIN, otp=code) for _ in range(4)])
    assert sum(isinstance(r, JournalEntry) for r in results) == 1
    assert sum(isinstance(r, InvalidCode) for r in results) == 3
    assert services.accounts.get(actor, account["id"]).balance_cents == 900_000
