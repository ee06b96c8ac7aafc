"""The Flask layer: create_app(config=None) binds config, extensions, blueprints, errors, CLI."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.auth import refuse_missing_factor
from app.cache_control import init_app as init_cache_control
from app.cli import register_cli
from app.config import PROJECT_ROOT, check_events_outbox, load_config, private_folder
from app.errors import register_error_handlers
from app.extensions import csrf, limiter, talisman
from app.logging_setup import configure_logging
from app.request_id import init_request_id
from repository import migrations
from services.container import Services
from services.settings import ServiceSettings

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    private_folder(app.instance_path)
    app.config.update(load_config(app.instance_path))
    app.config.update(config or {})
    development = app.config["COREBANK_ENV"] != "production"
    app.config.update(
        SECRET_KEY=app.config["SECRET_KEY"],
        MAX_CONTENT_LENGTH=64 * 1024,
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_HEADERS_ENABLED=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not development,
        JSON_SORT_KEYS=False,
    )
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    configure_logging(app)
    init_request_id(app)
    init_cache_control(app)
    migrations.migrate(app.config["DATABASE_URL"], app.config["AUDIT_KEY"])
    app.extensions["corebank"] = Services(service_settings(app.config))

    csrf.init_app(app)

    @app.after_request
    def retry_after_only_on_429(response):
        # Registered before the limiter so it runs after the limiter's header injection.
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        return response

    limiter.init_app(app)
    app.before_request(refuse_missing_factor)  # after the limiter's check: SPEC 15, staff need a factor
    talisman.init_app(app, **security_header_options(development))
    register_error_handlers(app)
    _register_blueprints(app)

    register_cli(app)
    return app


def security_header_options(development: bool) -> dict:
    """Flask-Talisman's options (SPEC section 2: strict CSP, HSTS outside development, ...)."""
    return {
        "content_security_policy": CSP,
        "force_https": False,
        "strict_transport_security": not development,
        "strict_transport_security_max_age": 31536000,
        "frame_options": "DENY",
        "referrer_policy": "strict-origin-when-cross-origin",
        "session_cookie_secure": not development,
        "x_content_type_options": True,
    }


def service_settings(config: dict) -> ServiceSettings:
    check_events_outbox(config)  # also when a caller's config, not the environment, turned it off
    return ServiceSettings(
        database_url=config["DATABASE_URL"],
        jwt_secret=config["JWT_SECRET"],
        pin_pepper=config["PIN_PEPPER"],
        card_keys=tuple(k.strip() for k in config["CARD_KEYS"].split(",") if k.strip()),
        audit_key=config["AUDIT_KEY"],
        bcrypt_cost=int(config["BCRYPT_COST"]),
        lockout_minutes=int(config["LOCKOUT_MINUTES"]),
        pin_unlocks_per_day=int(config["PIN_UNLOCKS_PER_DAY"]),
        access_token_minutes=int(config["ACCESS_TOKEN_MINUTES"]),
        refresh_token_days=int(config["REFRESH_TOKEN_DAYS"]),
        hold_expiry_seconds=int(config.get("HOLD_EXPIRY_SECONDS", 604800)),
        daily_limit_cents=config.get("DAILY_LIMIT_CENTS"),
        customer_deposit_daily_cents=config.get("CUSTOMER_DEPOSIT_DAILY_CENTS"),
        mfa_required_for_staff=_flag(config.get("MFA_REQUIRED_FOR_STAFF", False)),
        step_up_cents=int(config.get("STEP_UP_CENTS", 100000)),
        dual_control_cents=int(config.get("DUAL_CONTROL_CENTS", 100000)),
        webhook_max_attempts=int(config.get("WEBHOOK_MAX_ATTEMPTS", 8)),
        webhook_retry_seconds=int(config.get("WEBHOOK_RETRY_SECONDS", 10)),
        webhook_allow_private=_flag(config.get("WEBHOOK_ALLOW_PRIVATE", False)),
        webhook_allow_http=config["COREBANK_ENV"] != "production",
        events_outbox=_flag(config.get("EVENTS_OUTBOX", True)),
    )


def _flag(value) -> bool:
    """A boolean setting given as a bool (tests) or as text (the environment)."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.health import bp as health_bp
    from app.web import register_web

    limiter.exempt(health_bp)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: the only CSRF exemption
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    register_web(app)
