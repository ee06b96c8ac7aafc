"""The JSON REST API under /api/v1 (bearer tokens; the only CSRF exemption)."""

from app.api import (  # noqa: F401  (routes register on import)
    accounts,
    admin,
    approvals,
    auth,
    cards,
    events,
    holds,
    me,
    mfa,
    openapi,
    statements,
    transactions,
    webhooks,
)
from app.api.blueprint import bp

__all__ = ["bp"]
