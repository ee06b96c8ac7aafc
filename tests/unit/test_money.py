"""Money rules: integer cents only, 1 .. 10**12, decimal strings parsed exactly."""

import pytest

from entities.errors import ValidationFailed
from entities.money import MAX_AMOUNT_CENTS, check_amount_cents, format_cents, parse_decimal_amount


@pytest.mark.parametrize("value", [1, 250, MAX_AMOUNT_CENTS])
def test_check_amount_accepts_integers_in_range(value):
    assert check_amount_cents(value) == value


@pytest.mark.parametrize(
    "value",
    [0, -1, MAX_AMOUNT_CENTS + 1, 2**63, 1.5, 100.0, "100", True, False, None, [100], {"cents": 1}],
)
def test_check_amount_refuses_everything_else(value):
    with pytest.raises(ValidationFailed) as caught:
        check_amount_cents(value)
    assert caught.value.code == "validation_error"
    assert caught.value.errors[0]["field"] == "amount_cents"


def test_check_amount_names_the_field_it_was_given():
    with pytest.raises(ValidationFailed) as caught:
        check_amount_cents(0, field="amount")
    assert caught.value.errors == [{"field": "amount", "message": "must be between 1 and 1000000000000"}]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12.50", 1250),
        ("12.5", 1250),
        ("12", 1200),
        ("0.01", 1),
        (" 7.05 ", 705),
        ("1,234.56", 123456),
        ("10000000000", MAX_AMOUNT_CENTS),
        # Float would give 1.1 * 100 = 110.00000000000001; the parser never goes through float.
        ("1.10", 110),
        ("0.29", 29),
    ],
)
def test_parse_decimal_amount_converts_exactly(text, cents):
    assert parse_decimal_amount(text) == cents


@pytest.mark.parametrize(
    "text",
    ["12.555", "abc", "-1", "", None, "0", "0.00", "1e3", "12.", ".5", "1.2.3", "12,50.1x", "10000000000.01", "NaN"],
)
def test_parse_decimal_amount_refuses_bad_input(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_decimal_amount(text)
    assert caught.value.code == "validation_error"
    assert caught.value.errors[0]["field"] == "amount"


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [(123450, "USD", "$1,234.50"), (-100, "USD", "-$1.00"), (5, "EUR", "€0.05"), (100, "CHF", "1.00 CHF")],
)
def test_format_cents(cents, currency, shown):
    assert format_cents(cents, currency) == shown
