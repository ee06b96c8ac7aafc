"""Password hashing (bcrypt over a SHA-256 pre-hash) and keyed PIN hashes."""

import bcrypt
import pytest

from services import crypto

COST = 4


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "p" * 100, "ü" * 72, "🔐" * 30, "x" * 128],
)
def test_hash_and_verify_any_length_and_unicode(password):
    hashed = crypto.hash_password(password, COST)
    assert crypto.verify_password(password, hashed)
    assert not crypto.verify_password(password + "!", hashed)


def test_characters_after_byte_72_still_count():
    # Raw bcrypt would ignore (or refuse) everything after 72 bytes.
    first, second = "a" * 80 + "first", "a" * 80 + "other"
    assert not crypto.verify_password(second, crypto.hash_password(first, COST))


def test_hash_uses_the_configured_cost_and_a_fresh_salt():
    one, two = crypto.hash_password("correct horse battery", COST), crypto.hash_password("correct horse battery", COST)
    assert one.startswith("$2b$04$")
    assert one != two


def test_verify_against_a_malformed_hash_is_false_not_an_error():
    assert crypto.verify_password("anything at all", "not-a-bcrypt-hash") is False


def test_bcrypt_itself_refuses_long_input_so_the_prehash_matters():
    with pytest.raises(ValueError):
        bcrypt.hashpw(b"x" * 100, bcrypt.gensalt(rounds=COST))


def test_pin_hash_is_keyed_by_pepper_and_salt():
    salt = crypto.new_pin_salt()
    hashed = crypto.hash_pin("1234", salt, "pepper-one")
    assert crypto.verify_pin("1234", salt, "pepper-one", hashed)
    assert not crypto.verify_pin("1235", salt, "pepper-one", hashed)
    assert not crypto.verify_pin("1234", salt, "pepper-two", hashed)
    assert crypto.hash_pin("1234", crypto.new_pin_salt(), "pepper-one") != hashed


def test_a_password_that_changed_while_checked_is_checked_again_against_the_new_hash():
    old, new = crypto.hash_password("the old password", COST), crypto.hash_password("the new password", COST)
    seen = []

    def settle(password_ok, checked_hash):
        seen.append((password_ok, checked_hash))
        if checked_hash != new:  # the stored hash, under the row lock, is the new one
            raise crypto.HashChanged(new)
        return "settled"

    assert crypto.settle_checked("the new password", old, settle) == "settled"
    assert seen == [(False, old), (True, new)]


def test_a_password_that_keeps_changing_gives_up_after_a_few_rounds():
    rounds = []

    def settle(password_ok, checked_hash):
        rounds.append(checked_hash)
        raise crypto.HashChanged(crypto.hash_password(f"password number {len(rounds)}", COST))

    with pytest.raises(crypto.HashChanged):
        crypto.settle_checked("some password", crypto.hash_password("some password", COST), settle)
    assert len(rounds) == crypto.HASH_RECHECKS
