"""The one free-text rule and the email rule (SPEC section 2)."""

import pytest

from entities.cards import check_merchant
from entities.errors import ValidationFailed
from entities.text import clean_text
from entities.users import clean_full_name
from services.emails import check_email

HIDDEN = {
    "tab": "\t",
    "newline": "\n",
    "carriage_return": "\r",
    "nul": "\x00",
    "esc": "\x1b",
    "del": "\x7f",
    "c1_control": "\x85",
    "bidi_override": "\u202e",
    "zero_width_space": "\u200b",
    "zero_width_joiner": "\u200d",
    "byte_order_mark": "\ufeff",
    "lone_surrogate": "\ud800",
    "private_use": "\ue000",
    "unassigned": "\U000e0080",
    "line_separator": "\u2028",
}


def _field_error(rule, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        rule(*args, **kwargs)
    [error] = caught.value.errors
    return error


def test_text_is_nfc_normalised_and_trimmed():
    assert clean_text("  Cafe\u0301  ", "memo", 140) == "Caf\u00e9"


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("character", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_hidden_character_anywhere_is_refused(character, where):
    text = {"start": character + "Rent", "middle": "Re" + character + "nt", "end": "Rent" + character}[where]
    error = _field_error(clean_text, text, "memo", 140, required=False)
    assert error["field"] == "memo"
    assert error["message"].startswith("must not contain control or invisible characters")


def test_lengths_count_after_trimming():
    assert clean_full_name("  " + "x" * 100 + "   ") == "x" * 100
    assert _field_error(clean_full_name, "x" * 101) == {"field": "full_name", "message": "must be 1 to 100 characters"}
    assert _field_error(clean_full_name, "   ") == {"field": "full_name", "message": "must be 1 to 100 characters"}
    assert clean_text(" " + "m" * 140 + " ", "memo", 140, required=False) == "m" * 140


def test_an_optional_text_that_is_blank_or_absent_is_none():
    assert clean_text(None, "memo", 140, required=False) is None
    assert clean_text("   ", "memo", 140, required=False) is None


@pytest.mark.parametrize("value", [None, 42, ["x"]])
def test_a_required_text_must_be_text(value):
    assert _field_error(clean_full_name, value)["field"] == "full_name"


def test_a_merchant_follows_the_same_rule():
    assert check_merchant("  Corner Caf\u00e9 ") == "Corner Caf\u00e9"
    assert _field_error(check_merchant, "Shop\u202eevil")["field"] == "merchant"
    assert _field_error(check_merchant, "Shop\tTab")["field"] == "merchant"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Alice@Example.COM", "alice@example.com"),
        ("ＡＬＩＣＥ@example.com", "alice@example.com"),
        ("Émile@Example.com", "émile@example.com"),
        ("bob@xn--exmple-cua.com", "bob@exämple.com"),
        ("bob@EXÄMPLE.com", "bob@exämple.com"),
    ],
)
def test_an_email_is_normalised_by_the_library_and_lower_cased(raw, stored):
    assert check_email(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "alice@example.com\x00",
        "al\x1bice@example.com",
        "alice\x7f@example.com",
        "\u202ealice@example.com",
        "ali\u200bce@example.com",
        "alice@exa\u200dmple.com",
        " alice@example.com",
        "alice@example.com\n",
        "ali ce@example.com",
        "alice@example.com\t",
        "alice\u00a0@example.com",
    ],
)
def test_whitespace_control_and_format_characters_in_an_email_are_refused(raw):
    assert _field_error(check_email, raw) == {
        "field": "email",
        "message": "must not contain spaces, control or invisible characters",
    }


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        42,
        "no-at-sign",
        "a@b",
        "two@@example.com",
        "a..b@example.com",
        ".a@example.com",
        "a@-example.com",
        "a@localhost",
        "a" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        '"quoted"@example.com',
    ],
)
def test_an_email_of_invalid_syntax_is_refused(raw):
    error = _field_error(check_email, raw)
    assert error["field"] == "email"
    assert error["message"].startswith("must be a valid email address")
