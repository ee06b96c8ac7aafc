"""The settings services need, handed in by the app layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSettings:
    database_url: str
    jwt_secret: str
    pin_pepper: str
    card_keys: tuple[str, ...] = ()
    audit_key: str = ""  # AUDIT_KEY: keys the audit chain; without it nothing can be audited
    bcrypt_cost: int = 12
    lockout_minutes: int = 30
    pin_unlocks_per_day: int = 3  # a teller's PIN-lock lifts per account in any 24 hours
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    web_idle_minutes: int = 15
    web_absolute_hours: int = 12
    hold_expiry_seconds: int = 604800  # a card authorisation's life (SPEC section 13)
    daily_limit_cents: int | None = None  # new accounts' daily limit on money out (section 14)
    customer_deposit_daily_cents: int | None = None  # a customer's self-service cash in per UTC day
    mfa_required_for_staff: bool = False  # SPEC 15: staff powers need a session verified with a code
    step_up_cents: int = 100000  # a transfer or withdrawal this large asks a user with a factor for a code
    dual_control_cents: int = 100000  # a reversal of at least this waits for a second staff member (section 15)
    webhook_max_attempts: int = 8  # SPEC 16: attempts per event and hook before it is given up
    webhook_retry_seconds: int = 10  # the first retry's delay; each next one doubles it
    webhook_allow_private: bool = False  # deliver to loopback and private addresses (tests, local receivers)
    webhook_allow_http: bool = True  # http:// URLs too (never in production)
    events_outbox: bool = True  # False: changes write no event (the bench only; production refuses it)
    jwt_issuer: str = "corebank"
    jwt_audience: str = "corebank-api"
