"""Card and statement entity rules: PAN/CVV/expiry generation, masking, merchant, months, totals."""

from datetime import date

import pytest

from entities.accounts import luhn_valid
from entities.cards import Card, IssuedCard, check_merchant, expiry_from, mask_pan, new_cvv, new_pan
from entities.errors import ValidationFailed
from entities.ledger import HistoryItem
from entities.statements import Month, Statement, months_since, parse_month, signed_declined_amount

TODAY = date(2025, 6, 15)


def test_a_pan_is_16_luhn_valid_digits_and_unpredictable():
    pans = {new_pan() for _ in range(200)}
    assert len(pans) == 200
    for pan in pans:
        assert len(pan) == 16 and pan.isdigit() and pan[0] != "0"
        assert luhn_valid(pan)


def test_a_cvv_is_three_digits_leading_zeros_kept():
    cvvs = {new_cvv() for _ in range(2000)}
    assert all(len(cvv) == 3 and cvv.isdigit() for cvv in cvvs)
    assert any(cvv.startswith("0") for cvv in cvvs)


def test_expiry_is_the_issue_month_four_years_on():
    assert expiry_from(date(2025, 3, 31)) == (3, 2029)
    assert expiry_from(date(2024, 12, 1)) == (12, 2028)


def test_masked_pan_shows_only_the_last_four():
    assert mask_pan("1234") == "•••• •••• •••• 1234"
    card = Card(1, 2, "9876", 1, 2030, pan_encrypted="gAAAA-secret")
    assert card.masked_pan == "•••• •••• •••• 9876"


def test_reprs_never_show_ciphertext_or_the_secrets():
    card = Card(1, 2, "9876", 1, 2030, pan_encrypted="gAAAA-secret")
    issued = IssuedCard(card, pan="4111111111119876", cvv="777")
    for text in (repr(card), repr(issued)):
        assert "gAAAA" not in text and "4111111111119876" not in text and "777" not in text


@pytest.mark.parametrize("merchant", ["", "   ", "x" * 101, "Shop\nInjected", None, 42])
def test_a_merchant_must_be_1_to_100_printable_characters(merchant):
    with pytest.raises(ValidationFailed) as caught:
        check_merchant(merchant)
    assert caught.value.errors[0]["field"] == "merchant"


def test_a_merchant_is_trimmed_and_100_characters_are_accepted():
    assert check_merchant("  Corner Coffee ") == "Corner Coffee"
    assert check_merchant("m" * 100) == "m" * 100


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "abc", "2025-1", "25-01", "2025-01-01", "2025-01\n", "２０２５-01", "", None, 202501]
)
def test_a_malformed_month_is_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_month(text, TODAY)
    assert caught.value.errors == [{"field": "month", "message": "must be a month as YYYY-MM"}]


def test_a_month_after_the_current_one_is_refused_and_the_current_one_accepted():
    with pytest.raises(ValidationFailed):
        parse_month("2025-07", TODAY)
    with pytest.raises(ValidationFailed):
        parse_month("2026-01", TODAY)
    assert parse_month("2025-06", TODAY) == Month(2025, 6)
    assert parse_month("1999-12", TODAY) == Month(1999, 12)


def test_month_bounds_are_half_open_utc_instants():
    assert Month(2024, 2).start_iso == "2024-02-01T00:00:00.000000Z"
    assert Month(2024, 2).end_iso == "2024-03-01T00:00:00.000000Z"
    assert Month(2024, 12).end_iso == "2025-01-01T00:00:00.000000Z"
    assert Month(2025, 1).previous() == Month(2024, 12)


def test_months_since_lists_the_account_months_newest_first():
    assert months_since("2024-11-30T10:00:00.000000Z", date(2025, 2, 1)) == [
        Month(2025, 2),
        Month(2025, 1),
        Month(2024, 12),
        Month(2024, 11),
    ]


def test_a_declined_amount_is_signed_from_the_account_side():
    assert signed_declined_amount("deposit", 500) == 500
    assert signed_declined_amount("card_purchase", 500) == -500


def _line(amount, balance_after):
    return HistoryItem(1, 1, "deposit", "posted", amount, balance_after, None, None, "2025-01-01T00:00:00.000000Z")


def test_statement_totals_come_from_the_lines():
    statement = Statement(1, "0000000000", "USD", Month(2025, 1), 1_000, [_line(500, 1_500), _line(-200, 1_300)])
    assert (statement.total_credits_cents, statement.total_debits_cents, statement.count) == (500, 200, 2)
    assert statement.closing_balance_cents == 1_300


def test_an_empty_statement_closes_at_its_opening_balance():
    statement = Statement(1, "0000000000", "USD", Month(2025, 1), 1_000)
    assert (statement.closing_balance_cents, statement.total_credits_cents, statement.count) == (1_000, 0, 0)
