"""Identity input rules: email normalisation, names, password policy, holder masking, lock state."""

from datetime import UTC, datetime

import pytest

from entities.errors import ValidationFailed
from entities.users import (
    Actor,
    Role,
    User,
    check_password,
    clean_full_name,
    lock_expiry,
    mask_holder,
    normalize_email,
)


@pytest.mark.parametrize(
    ("full_name", "masked"),
    [
        ("Alice Cooper", "Alice C."),
        ("Cher", "C."),
        ("  Jean   Claude Van Damme ", "Jean D."),
        ("Émile Zola", "Émile Z."),
        ("", ""),
    ],
)
def test_mask_holder(full_name, masked):
    assert mask_holder(full_name) == masked


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Alice@Example.COM", "alice@example.com"),
        ("ＡＬＩＣＥ@example.com", "alice@example.com"),  # full-width letters fold under NFKC
    ],
)
def test_normalize_email(raw, normal):
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "no-at-sign",
        "a@b",
        "two@@example.com",
        "sp ace@example.com",
        "  bob@example.com \n",  # whitespace anywhere is refused, not trimmed (SPEC section 2)
        "a" * 65 + "@example.com",
        42,
    ],
)
def test_normalize_email_refuses_invalid_addresses(raw):
    with pytest.raises(ValidationFailed) as caught:
        normalize_email(raw)
    assert caught.value.errors[0]["field"] == "email"


def test_normalize_email_refuses_more_than_254_characters():
    with pytest.raises(ValidationFailed):
        normalize_email("a@" + "b" * 250 + ".com")


def test_clean_full_name_trims():
    assert clean_full_name("  Alice Cooper  ") == "Alice Cooper"


@pytest.mark.parametrize("raw", ["", "   ", "x" * 101, "Alice\x00Cooper", "Bob\nSmith", "Eve\u202eevil", None])
def test_clean_full_name_refuses_empty_long_and_control_characters(raw):
    with pytest.raises(ValidationFailed) as caught:
        clean_full_name(raw)
    assert caught.value.errors[0]["field"] == "full_name"


def test_full_name_of_exactly_100_characters_is_accepted():
    assert clean_full_name("x" * 100) == "x" * 100


@pytest.mark.parametrize(
    "password",
    ["x" * 12, "x" * 128, "correct horse battery", "ünïcödé-pässwörd", "🔐" * 12, "p" * 100],
)
def test_password_policy_accepts_12_to_128_characters_of_any_unicode(password):
    assert check_password(password, "alice@example.com") == password


@pytest.mark.parametrize("password", ["x" * 11, "x" * 129, "", None, 123456789012345])
def test_password_policy_refuses_wrong_lengths_and_types(password):
    with pytest.raises(ValidationFailed) as caught:
        check_password(password, "alice@example.com")
    assert caught.value.errors == [{"field": "password", "message": "must be 12 to 128 characters"}]


@pytest.mark.parametrize("password", ["longname@example.com", "LONGNAME@EXAMPLE.COM", " longname@example.com "])
def test_password_policy_refuses_the_email(password):
    with pytest.raises(ValidationFailed) as caught:
        check_password(password, "longname@example.com", "new_password")
    assert caught.value.errors == [{"field": "new_password", "message": "must not equal the email"}]


def _user(**extra):
    return User(id=1, email="a@example.com", full_name="A", password_hash="x", **extra)


def test_user_lock_state_follows_locked_until():
    now = "2030-01-01T00:00:00.000000Z"
    assert _user().status(now) == "active"
    assert _user(locked_until="2030-01-01T00:30:00.000000Z").is_locked(now)
    assert not _user(locked_until="2029-12-31T23:59:00.000000Z").is_locked(now)


def test_admin_lock_never_expires():
    assert _user(admin_locked=True).status("2999-01-01T00:00:00.000000Z") == "locked"


def test_lock_expiry_adds_minutes():
    start = datetime(2030, 1, 1, tzinfo=UTC)
    assert lock_expiry(start, 30) == datetime(2030, 1, 1, 0, 30, tzinfo=UTC)


def test_actor_roles():
    assert Actor(user_id=1, role=Role.TELLER).is_staff
    assert not Actor(user_id=1, role=Role.TELLER).is_admin
    assert Actor(user_id=1, role=Role.ADMIN).is_admin
    assert not Actor(user_id=1, role=Role.CUSTOMER).is_staff
    assert not Actor().is_staff
