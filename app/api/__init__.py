"""The JSON REST API under /api/v1 (bearer tokens; the only CSRF exemption)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import (  # noqa: E402,F401  (routes register on import)
    accounts,
    admin,
    auth,
    cards,
    me,
    openapi,
    statements,
    transactions,
)
