"""SPEC 15: the TOTP factor of the caller (POST/DELETE /me/mfa, POST /me/mfa/confirm) and the
login's code step (POST /auth/mfa)."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_body
from app.api.schemas import MfaConfirmIn, MfaDisableIn, MfaEnrolIn, MfaLoginIn
from app.auth import current_actor, require_actor, services
from app.ratelimit import mfa_limits, password_change_limit


@operation(
    bp,
    "POST",
    "/auth/mfa",
    "Log in, second step: the code",
    tag="auth",
    body=MfaLoginIn,
    response="TokenPair",
    auth=False,
    errors=(401, 422, 423, 429),
)
@mfa_limits
def login_mfa():
    """The `mfa_token` of a login answered `mfa_required`, with a code from the authenticator app or
    one of the recovery codes. The token is single-use and lives 5 minutes; a wrong code is 401
    `invalid_code` and counts toward the login lockout."""
    data = parse_body(MfaLoginIn)
    actor = current_actor()
    user = services().identity.complete_mfa(actor, data.mfa_token, data.code)
    pair = services().tokens.issue(actor, user, amr=("pwd", "otp"))
    return json_response({**pair, "user": out.user(user)})


@operation(
    bp,
    "POST",
    "/me/mfa",
    "Enrol a second factor (TOTP)",
    tag="me",
    body=MfaEnrolIn,
    status=201,
    response="MfaEnrolment",
    errors=(401, 409, 422, 429),
)
@password_change_limit
def enrol_mfa():
    """Returns a new base32 secret and its `otpauth://` URI (for a QR code). The factor is pending
    until `POST /me/mfa/confirm` with a code from it; enrolling again before that replaces it."""
    actor = require_actor()
    data = parse_body(MfaEnrolIn)
    enrolment = services().mfa.begin(actor, data.password)
    return json_response({"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri}, 201)


@operation(
    bp,
    "POST",
    "/me/mfa/confirm",
    "Confirm the second factor: recovery codes",
    tag="me",
    body=MfaConfirmIn,
    response="RecoveryCodes",
    errors=(401, 409, 422, 429),
)
@password_change_limit
def confirm_mfa():
    """Enables the pending factor and answers ten single-use recovery codes, shown only now. The
    session that enrolled is not thereby verified: log in again with a code."""
    actor = require_actor()
    data = parse_body(MfaConfirmIn)
    return json_response({"recovery_codes": services().mfa.confirm(actor, data.code)})


@operation(
    bp,
    "DELETE",
    "/me/mfa",
    "Disable the second factor",
    tag="me",
    body=MfaDisableIn,
    status=204,
    errors=(401, 409, 422, 429),
)
@password_change_limit
def disable_mfa():
    """The password and a code (or a recovery code) remove the factor and its recovery codes."""
    actor = require_actor()
    data = parse_body(MfaDisableIn)
    services().mfa.disable(actor, data.password, data.code)
    return "", 204
