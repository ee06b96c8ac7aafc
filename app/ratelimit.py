"""The rate limiter, its keys and its limits (SPEC section 2), read from config at request time."""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter import Limiter

from app.auth import principal_or_none
from entities.users import normalize_email


def client_ip() -> str:
    # ProxyFix (only with TRUSTED_PROXIES > 0) has already applied X-Forwarded-For.
    return request.remote_addr or "unknown"


def ip_key() -> str:
    return f"ip:{client_ip()}"


def user_or_ip_key() -> str:
    principal = principal_or_none()
    return f"user:{principal.user_id}" if principal else ip_key()


def login_email_key() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    email = data.get("email") if isinstance(data, dict) or hasattr(data, "get") else None
    try:
        return f"email:{normalize_email(email)}"
    except Exception:  # no usable email: the per-IP limit still applies
        return ip_key()


def limit_from(name: str):
    return lambda: current_app.config[name]


# Unbound; create_app binds it. The default limit is read from the current app's config at request
# time, like every other limit: Flask-Limiter would otherwise keep the first app's RATELIMIT_DEFAULT.
limiter = Limiter(key_func=user_or_ip_key, headers_enabled=True, default_limits=[limit_from("RATELIMIT_DEFAULT")])


def _login_target_locked() -> bool:
    """A locked user's attempts are answered 423 without a password check, so they
    skip the login limits: the lockout answers before the limiter (SPEC section 2)."""
    # Every login limit asks; look the user up once per request.
    if "login_target_locked" not in g:
        email = login_email_key()
        g.login_target_locked = email.startswith("email:") and current_app.extensions["corebank"].identity.is_locked(
            email.removeprefix("email:")
        )
    return g.login_target_locked


def _login_target_unlocked() -> bool:
    return not _login_target_locked()


def login_limits(view):
    """Login, API and web form alike (shared scopes: one budget each): RATELIMIT_LOGIN per client IP
    and RATELIMIT_LOGIN_EMAIL per email for attempts on users who are not locked; attempts on a locked
    user skip those (they hear 423 first) but are not free: RATELIMIT_DEFAULT per client IP."""
    view = limiter.shared_limit(
        limit_from("RATELIMIT_LOGIN_EMAIL"),
        scope="login-email",
        key_func=login_email_key,
        exempt_when=_login_target_locked,
    )(view)
    view = limiter.shared_limit(
        limit_from("RATELIMIT_LOGIN"), scope="login-ip", key_func=ip_key, exempt_when=_login_target_locked
    )(view)
    return limiter.shared_limit(
        limit_from("RATELIMIT_DEFAULT"), scope="login-locked-ip", key_func=ip_key, exempt_when=_login_target_unlocked
    )(view)


def money_limit(view):
    """Money movement: RATELIMIT_MONEY per user, one budget shared by every money-moving request
    (API and web: deposits, withdrawals, transfers, card purchases, teller cash, reversals)."""
    return limiter.shared_limit(limit_from("RATELIMIT_MONEY"), scope="money", key_func=user_or_ip_key)(view)


def lookup_limit(view):
    """Account lookup: RATELIMIT_LOOKUP per user, one budget shared by every way of resolving an
    account number to a holder's name (the API lookup, the web lookup and the transfer review)."""
    return limiter.shared_limit(limit_from("RATELIMIT_LOOKUP"), scope="account-lookup", key_func=user_or_ip_key)(view)


def password_change_limit(view):
    """Changing the password checks the current one: RATELIMIT_LOGIN per user, so a stolen
    session or token cannot be used to guess it at the general rate."""
    return limiter.limit(limit_from("RATELIMIT_LOGIN"), key_func=user_or_ip_key)(view)
