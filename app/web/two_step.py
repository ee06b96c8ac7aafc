"""What the security page's "Two-step sign-in" card shows (SPEC 15): the factor's state, and while
enrolling the QR code (an SVG drawn on the server: no script, no image request) and the secret
grouped for typing by hand."""

from __future__ import annotations

import re

import segno
from markupsafe import Markup

from app.auth import services
from entities.users import Actor
from services.totp import provisioning_uri

# A secret as services/totp.py makes it: 32 base32 characters (160 bits).
_SECRET = re.compile(r"[A-Z2-7]{32}")
QR_TITLE = "QR code for your authenticator app"


def qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG: dark modules on a white quiet zone, sized by CSS."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=QR_TITLE, svgclass="qr-code", lineclass=None, omitsize=True
    )
    # segno's output is path geometry and our own title: nothing a user typed is in it as text (the
    # URI, email included, is only encoded into the modules).
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{QR_TITLE}" ', 1))  # noqa: S704


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
