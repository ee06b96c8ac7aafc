"""The transfer page's recipient lookup runs as the user types: a partial or mistyped number is a
200 hint, never an error status (a console error on every keystroke), and it reveals no account."""

from __future__ import annotations

import pytest

from entities.accounts import luhn_check_digit

HX = {"HX-Request": "true"}


@pytest.fixture
def sender(web):
    user = web.customer("Alice Cooper")
    return web.account(user, 1_000)


def _lookup(client, number):
    return client.get("/transfers/lookup", query_string={"to_account_number": number}, headers=HX)


@pytest.mark.parametrize(
    ("number", "hint"),
    [
        ("4", "Enter all 10 digits."),
        ("412345678", "Enter all 10 digits."),
        ("41234567890", "Account numbers have 10 digits."),
        ("41234x", "Account numbers have digits only."),
        ("１２３４５６７８９０", "Account numbers have digits only."),  # full-width digits are not looked up
    ],
)
def test_a_partial_or_invalid_number_is_a_200_hint(client, sender, number, hint):
    response = _lookup(client, number)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert hint in body
    assert "Account holder" not in body and "No open account" not in body


def test_a_wrong_check_digit_is_a_hint_whether_or_not_such_an_account_exists(web, client, sender):
    bob = web.account(web.user("Bob Dylan"))
    wrong = bob.number[:-1] + str((int(bob.number[-1]) + 1) % 10)
    response = _lookup(client, wrong)
    assert response.status_code == 200
    assert "Check the number" in response.get_data(as_text=True)
    assert "Bob" not in response.get_data(as_text=True)


def test_an_empty_box_shows_nothing(client, sender):
    response = _lookup(client, "")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == '<p id="recipient" class="recipient" aria-live="polite"></p>'


def test_a_complete_unknown_number_says_so_and_a_known_one_shows_the_masked_holder(web, client, sender):
    unknown = "412345678" + luhn_check_digit("412345678")
    assert "No open account has this number." in _lookup(client, unknown).get_data(as_text=True)
    bob = web.account(web.user("Bob Dylan"))
    assert "Account holder: Bob D." in _lookup(client, bob.number).get_data(as_text=True)


class TestTheLimitStillHolds:
    @pytest.fixture
    def app_config(self, app_config):
        return {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOOKUP": "2/minute",
            "RATELIMIT_STORAGE_URI": "memory://",
        }

    def test_a_number_still_being_typed_spends_nothing_and_complete_ones_are_limited(self, web, client, sender):
        """Each keystroke asks for a hint; only a complete number resolves a name, so only that counts
        (typing three account numbers would otherwise spend 30 lookups)."""
        for typed in ("4", "41", "412", "4123", "41234", "412345678", "41234567890", "4123456789"):
            assert _lookup(client, typed).status_code == 200, typed
        bob, carol = web.account(web.user("Bob Dylan")), web.account(web.user("Carol King"))
        assert _lookup(client, bob.number).status_code == 200
        assert _lookup(client, carol.number).status_code == 200
        assert _lookup(client, bob.number).status_code == 429  # the third complete number in a minute
        assert _lookup(client, "41").status_code == 200  # a hint is still given
