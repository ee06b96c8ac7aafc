"""Web amount strings (SPEC section 4): strict money, converted exactly, refused rather than guessed."""

import pytest

from entities.errors import ValidationFailed
from entities.money import MAX_AMOUNT_CENTS, parse_decimal_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12.50", 1250),
        ("12.5", 1250),
        ("12", 1200),
        ("$100", 10_000),
        ("$1,234.50", 123_450),
        ("1,234", 123_400),
        ("1,234,567.89", 123_456_789),
        ("$0.01", 1),
        ("0.29", 29),  # 0.29 * 100 is 28.999999999999996 in float
        ("$10,000,000,000.00", MAX_AMOUNT_CENTS),
        ("10000000000", MAX_AMOUNT_CENTS),
        (" 7.05 ", 705),  # surrounding spaces are trimmed; spaces inside are refused
    ],
)
def test_a_money_string_converts_exactly(text, cents):
    assert parse_decimal_amount(text) == cents


def _refusal(text) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse_decimal_amount(text)
    [error] = caught.value.errors
    assert error["field"] == "amount"
    return error["message"]


@pytest.mark.parametrize(
    "text",
    [
        "1,5",  # was $15.00
        "12,50",  # was $1,250.00
        "1,2345",
        "12,345,6",
        "1234,567",
        ",123",
        "0,123",
        "１２",  # full-width digits
        "١٢",  # Arabic-Indic digits
        "1e3",
        "0x10",
        "",
        None,
        "-5",
        "$-5",
        "-$5",
        " 1 2",
        "1 234",
        "12.",
        ".5",
        "1.2.3",
        "$",
        "$$5",
        "5$",
        "€5",
        "NaN",
        "1_000",
        "+5",
        "5\x00",
    ],
)
def test_anything_else_is_refused_with_a_money_example(text):
    assert _refusal(text).startswith("enter an amount such as 12.50 or 1,234.50")


def test_a_misplaced_comma_says_where_commas_go():
    assert _refusal("12,50") == (
        "enter an amount such as 12.50 or 1,234.50: "
        "commas only between groups of three digits, a point before the cents"
    )


@pytest.mark.parametrize("text", ["1.005", "12.345", "$1,234.567"])
def test_more_than_two_decimals_is_refused_as_such(text):
    assert _refusal(text) == "at most two decimals after the point"


@pytest.mark.parametrize("text", ["0", "0.00", "$0", "0.0"])
def test_zero_must_be_at_least_one_cent(text):
    assert _refusal(text) == "must be at least 0.01"


@pytest.mark.parametrize("text", ["10000000000.01", "$10,000,000,000.01", "99999999999", "9" * 5000])
def test_too_large_says_the_most_in_money(text):
    assert _refusal(text) == "must be at most 10,000,000,000.00"
