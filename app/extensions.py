"""Unbound extensions; create_app binds them."""

from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from app.ratelimit import limiter

__all__ = ["csrf", "limiter", "talisman"]

csrf = CSRFProtect()
talisman = Talisman()
