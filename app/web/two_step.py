"""What the security page's "Two-step sign-in" card shows (SPEC 15): the factor's state, and while
enrolling the QR code (an SVG drawn on the server: no script, no image request) and the secret
grouped for typing by hand."""

from __future__ import annotations

import re

import segno

from app.auth import services
from entities.users import Actor
from services.totp import provisioning_uri

# A secret as services/totp.py makes it: 32 base32 characters (160 bits).
_SECRET = re.compile(r"[A-Z2-7]{32}")
QR_TITLE = "QR code for your authenticator app"


def qr_svg(uri: str) -> dict:
    """The otpauth:// URI as QR modules for the template's inline SVG (dark squares on a white quiet
    zone, sized by CSS): only numbers reach the page, so nothing needs marking safe."""
    qr = segno.make(uri, error="m")
    border = 4
    path = "".join(
        f"M{x + border} {y + border}h1v1h-1z" for y, row in enumerate(qr.matrix) for x, dark in enumerate(row) if dark
    )
    return {"size": len(qr.matrix) + 2 * border, "path": path, "title": QR_TITLE}


def grouped(secret: str) -> str:
    """ABCD EFGH …: fours are easier to read out and type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrolment_view(secret: str | None, email: str) -> dict | None:
    """The QR code and the key for a secret just made (or carried back by the confirm form to draw
    them again after a wrong code); None for anything that is not a secret of ours."""
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        return None
    uri = provisioning_uri(secret, email)
    return {"secret": secret, "grouped": grouped(secret), "qr": qr_svg(uri), "uri": uri}


def card(actor: Actor, *, enrolment: dict | None = None, recovery_codes: list[str] | None = None) -> dict:
    """The card's context: the factor's status, whether this session was verified with a code, and
    the one-off things (an enrolment's QR code, the recovery codes) only the answering request has."""
    return {
        "status": services().mfa.status(actor),
        "session_verified": "otp" in (actor.amr or ()),
        "factor_missing": actor.factor_missing,
        "enrolment": enrolment,
        "recovery_codes": recovery_codes,
        "step_up_cents": services().settings.step_up_cents,
    }
