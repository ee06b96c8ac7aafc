"""RFC 6238 through services/totp.py: the RFC's SHA-1 test vectors, the drift window, once-only."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from entities import mfa
from services import totp

# RFC 6238 appendix B: the SHA-1 key is the ASCII string "12345678901234567890"; 8-digit codes.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS)
def test_rfc_6238_sha1_vectors(unix_time, expected):
    step = unix_time // mfa.STEP_SECONDS
    assert totp.code_at(RFC_SECRET, step, digits=8) == expected
    # Our six-digit codes are the same HOTP value modulo 10^6.
    assert totp.code_at(RFC_SECRET, step) == expected[-6:]


def test_a_code_matches_its_step_and_one_step_either_side_only():
    moment = datetime.fromtimestamp(1111111111, UTC)
    now = mfa.step_of(moment)
    for drift in (-1, 0, 1):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, now + drift), moment, -1) == now + drift
    for drift in (-2, 2):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, now + drift), moment, -1) is None


def test_a_step_already_accepted_or_earlier_is_refused():
    moment = datetime.fromtimestamp(1234567890, UTC)
    now = mfa.step_of(moment)
    code = totp.code_at(RFC_SECRET, now)
    assert totp.matching_step(RFC_SECRET, code, moment, now - 1) == now
    assert totp.matching_step(RFC_SECRET, code, moment, now) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None, 123456, "12 34 5x"])
def test_malformed_codes_never_match(code):
    assert totp.matching_step(RFC_SECRET, code, datetime.now(UTC), -1) is None


def test_a_new_secret_is_160_bits_of_base32():
    secret = totp.new_secret()
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20


def test_recovery_codes_carry_at_least_50_bits_and_normalise():
    import math

    codes = mfa.new_recovery_codes()
    assert len(codes) == 10
    assert mfa.RECOVERY_LENGTH * math.log2(len(mfa.RECOVERY_ALPHABET)) >= 50
    assert mfa.normalize_recovery(codes[0].upper().replace("-", " ")) == codes[0].replace("-", "")
    assert mfa.normalize_recovery("short") is None
