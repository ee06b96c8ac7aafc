"""Schemathesis over /api/v1/openapi.json, in process (WSGI), authenticated as a customer who owns
funded accounts: no input produces a 5xx, and every response conforms to the document (documented
status code, content type, body schema). Valid-looking ids, PINs and account numbers are steered to
real ones often enough that money really moves; the rest stay random (404, 403, 422...)."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

import app.api  # noqa: F401  (importing the package registers every operation)
from app import create_app
from app.api.registry import OPERATIONS
from entities.users import Actor, Role

PIN = "1234"
PASSWORD = "fuzzing customer password"
RAISED = "100000/minute"  # the limiter stays on and counts, but never answers 429 here


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp / 'fuzz.db'}",
            "BCRYPT_COST": 4,
            "LOG_DIR": str(tmp / "logs"),
            **{name: RAISED for name in ("RATELIMIT_DEFAULT", "RATELIMIT_MONEY", "RATELIMIT_LOOKUP")},
            **{name: RAISED for name in ("RATELIMIT_LOGIN", "RATELIMIT_LOGIN_EMAIL", "RATELIMIT_REGISTER")},
            "RATELIMIT_REFRESH": RAISED,
        }
    )
    services = app.extensions["corebank"]

    def user(name: str, role: Role = Role.CUSTOMER):
        return services.identity.register(Actor(), f"fuzz-{name}@example.com", PASSWORD, f"Fuzz {name}", role=role)

    customer, other, login_user, victim = user("customer"), user("other"), user("login"), user("victim")
    admin = user("admin", Role.ADMIN)
    me = Actor(user_id=customer.id, role=Role.CUSTOMER)
    mine = [services.accounts.open(me, kind, PIN) for kind in ("checking", "savings", "checking")]
    theirs = services.accounts.open(Actor(user_id=other.id, role=Role.CUSTOMER), "checking", PIN)
    entries = [services.ledger.deposit(me, account.id, 10**9).id for account in mine[:2] for _ in range(3)]
    cards = [services.cards.issue(me, account.id).card.id for account in mine[:2]]
    app.fuzz = {
        "services": services,
        "customer": customer,
        "admin": admin,
        "login_email": login_user.email,
        "victim_id": victim.id,
        "account_ids": [a.id for a in mine],
        "numbers": {a.id: a.number for a in mine + [theirs]},
        "entry_ids": entries,
        "card_ids": cards,
        "emails": itertools.count(1),
    }
    return app


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    known = fuzz_app.fuzz

    @schema.hook
    def map_path_parameters(context, path_parameters):
        if not path_parameters:
            return path_parameters
        for name, choices in (
            ("account_id", known["account_ids"]),
            ("entry_id", known["entry_ids"]),
            ("card_id", known["card_ids"]),
            ("user_id", [known["victim_id"]]),  # admin actions never lock or demote the fuzzing users
        ):
            if name in path_parameters:
                path_parameters[name] = steer(path_parameters[name], choices)
        if _mostly(path_parameters.get("month")):
            path_parameters["month"] = date.today().strftime("%Y-%m")  # a statement that has lines
        return path_parameters

    return schema


def steer(value, choices):
    """Most generated valid ids (JSON Schema calls 7.0 an integer too) become real ones; some stay as generated."""
    number = isinstance(value, int | float) and not isinstance(value, bool) and value >= 1
    if number and value == int(value) and int(value) % 4:
        return choices[int(value) % len(choices)]
    return value


def steer_body(body, known: dict):
    """Positive cases only (in a negative case the body may be the very thing that is invalid)."""
    if not isinstance(body, dict):
        return body
    if _mostly(body.get("pin")) and _digits(body["pin"]):
        body["pin"] = PIN
    if _mostly(body.get("current_pin")) and _digits(body["current_pin"]):
        body["current_pin"] = body["new_pin"] = PIN  # a PIN change that keeps the PIN the others use
    if "from_account_id" in body:
        body["from_account_id"] = steer(body["from_account_id"], known["account_ids"])
    amount = body.get("amount_cents")
    if isinstance(amount, float) and amount.is_integer() and _mostly(str(amount)):
        body["amount_cents"] = int(amount)  # the API refuses 5.0 (SPEC section 4); mostly send 5
    number = body.get("to_account_number")
    if _mostly(number) and len(number) == 10:
        others = [n for i, n in known["numbers"].items() if i != body.get("from_account_id")]
        body["to_account_number"] = others[sum(map(ord, number)) % len(others)]
    if set(body) == {"email", "password", "full_name"} and isinstance(body["email"], str):
        body["email"] = f"fuzz-new-{next(known['emails'])}@example.com"  # a registration that can succeed
    if set(body) == {"email", "password"} and isinstance(body["password"], str) and len(body["password"]) % 2:
        body["email"], body["password"] = known["login_email"], PASSWORD  # a login that succeeds
    if set(body) == {"refresh_token"} and isinstance(body["refresh_token"], str) and len(body["refresh_token"]) % 2:
        body["refresh_token"] = known["services"].tokens.issue(Actor(), known["customer"])["refresh_token"]
    return body


def _digits(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _mostly(value) -> bool:
    """True for three strings in four (deterministic, so Hypothesis can replay and shrink)."""
    return isinstance(value, str) and sum(map(ord, value)) % 4 != 1


STAFF = re.compile(r"/(admin|customers)\b|/(freeze|unfreeze|unlock|reverse)$")
# Schemathesis' lazy pytest integration (from_fixture) does not run under pytest 9, so each operation
# is its own test here, with Hypothesis driving the operation's case strategy directly.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}
CASES = sorted(
    {
        (op.method, "/api/v1" + op.openapi_path, mode)
        for op in OPERATIONS
        for mode in EXAMPLES
        # negative data needs something to break: a parameter, a body or the bearer token
        if mode == GenerationMode.POSITIVE or op.auth or op.body or op.query or "<" in op.rule or op.idempotent
    },
    key=lambda case: (case[1], case[0], case[2]),
)


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {g}" for m, p, g in CASES])
def test_api_conforms_to_its_openapi_document(api_schema, fuzz_app, method, path, mode):
    operation = api_schema[path][method]
    known = fuzz_app.fuzz
    turns = itertools.count()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def check(case):
        if mode == GenerationMode.POSITIVE:
            case.body = steer_body(case.body, known)
        headers = {}
        # A negative case may leave the bearer token out on purpose (that is its negation): then none is sent.
        if mode == GenerationMode.POSITIVE or "Authorization" in (case.headers or {}):
            # Staff actions alternate between the admin (so they succeed) and the customer (403).
            user = known["admin"] if STAFF.search(path) and next(turns) % 2 else known["customer"]
            # A fresh token per case: a logout or password change in one case must not starve the others.
            tokens = known["services"].tokens.issue(Actor(), user)
            headers["Authorization"] = f"Bearer {tokens['access_token']}"
        # Business rules rightly refuse some schema-valid requests (wrong password, same account,
        # insufficient funds, a float like 5.0 that JSON Schema calls an integer): that check is off.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()


LIMIT_SETTINGS = ("DEFAULT", "MONEY", "LOOKUP", "LOGIN", "LOGIN_EMAIL", "REGISTER", "REFRESH")


def test_every_operation_documents_the_rate_limit_answer(tmp_path):
    """Every route is rate-limited (RATELIMIT_DEFAULT at least), so every operation can answer 429:
    with all limits at 1/minute, the second call of each operation is a 429 that the document allows."""
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'limits.db'}",
            "BCRYPT_COST": 4,
            "LOG_DIR": str(tmp_path / "logs"),
            **{f"RATELIMIT_{name}": "1/minute" for name in LIMIT_SETTINGS},
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        names = re.findall(r"{(\w+)}", operation.path)
        case = operation.Case(path_parameters={name: 1 for name in names})
        responses = [case.call() for _ in range(2)]
        assert responses[-1].status_code == 429, (operation.label, responses[-1].status_code)
        assert responses[-1].headers.get("retry-after"), operation.label
        case.validate_response(
            responses[-1], checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )
        checked += 1
    assert checked == len(OPERATIONS) - 1  # schemathesis leaves out the document's own operation
