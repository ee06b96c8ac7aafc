"""Unbound extensions; create_app binds them."""

from flask_limiter import Limiter
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from app.ratelimit import user_or_ip_key

csrf = CSRFProtect()
talisman = Talisman()
limiter = Limiter(key_func=user_or_ip_key, headers_enabled=True)
