"""Account numbers (Luhn), PIN format and currencies."""

import pytest

from entities import MAX_ID, valid_id
from entities.accounts import (
    Account,
    AccountStatus,
    AccountType,
    check_currency,
    check_pin_format,
    luhn_check_digit,
    luhn_valid,
    new_account_number,
    random_luhn_number,
)
from entities.errors import ValidationFailed


@pytest.mark.parametrize("number", ["79927398713", "4539578763621486", "0000000000", "18"])
def test_luhn_accepts_known_valid_numbers(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["79927398710", "4539578763621487", "", "7", "12345abcde", "12 34"])
def test_luhn_refuses_invalid_numbers(number):
    assert not luhn_valid(number)


def test_luhn_check_digit_of_the_textbook_example():
    assert luhn_check_digit("7992739871") == "3"


def test_new_account_numbers_are_ten_luhn_valid_digits():
    numbers = [new_account_number() for _ in range(500)]
    for number in numbers:
        assert len(number) == 10 and number.isdigit() and number[0] != "0"
        assert luhn_valid(number)
    assert len(set(numbers)) == len(numbers)  # random, not sequential or repeating


def test_new_account_numbers_are_not_sequential():
    bodies = sorted(int(new_account_number()[:-1]) for _ in range(50))
    gaps = {b - a for a, b in zip(bodies, bodies[1:], strict=False)}
    assert gaps != {1}


def test_changing_any_single_digit_breaks_the_check():
    number = new_account_number()
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                assert not luhn_valid(number[:position] + digit + number[position + 1 :])


def test_random_luhn_number_for_cards_has_the_requested_length():
    pan = random_luhn_number(16)
    assert len(pan) == 16 and luhn_valid(pan)


@pytest.mark.parametrize("pin", ["1234", "12345", "123456", "0000"])
def test_pin_format_accepts_four_to_six_digits(pin):
    assert check_pin_format(pin) == pin


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "", None, 1234, " 1234", "1234\n", "١٢٣٤"])
def test_pin_format_refuses_anything_else(pin):
    with pytest.raises(ValidationFailed) as caught:
        check_pin_format(pin, "new_pin")
    assert caught.value.errors[0]["field"] == "new_pin"


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
def test_supported_currencies(currency):
    assert check_currency(currency) == currency


@pytest.mark.parametrize("currency", ["usd", "XYZ", "", None, "US"])
def test_unsupported_currencies(currency):
    with pytest.raises(ValidationFailed):
        check_currency(currency)


def test_account_status_helpers():
    account = Account(id=1, number="1", owner_id=1, type=AccountType.CHECKING, currency="USD")
    assert account.is_active and not account.is_system
    account.status = AccountStatus.FROZEN
    assert not account.is_active
    vault = Account(id=2, number="2", owner_id=None, type=AccountType.SYSTEM, currency="USD", system_code="cash-vault")
    assert vault.is_system


@pytest.mark.parametrize(("value", "ok"), [(1, True), (MAX_ID, True), (0, False), (-1, False), (MAX_ID + 1, False)])
def test_valid_id_bounds(value, ok):
    assert valid_id(value) is ok


@pytest.mark.parametrize("value", [True, "1", 1.0, None])
def test_valid_id_refuses_non_integers(value):
    assert not valid_id(value)
