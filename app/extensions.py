"""Unbound extensions; create_app binds them."""

from flask_limiter import Limiter
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from app.ratelimit import limit_from, user_or_ip_key

csrf = CSRFProtect()
talisman = Talisman()
# The default limit is read from the current app's config at request time, like every other
# limit: Flask-Limiter would otherwise keep the first app's RATELIMIT_DEFAULT for the process.
limiter = Limiter(key_func=user_or_ip_key, headers_enabled=True, default_limits=[limit_from("RATELIMIT_DEFAULT")])
