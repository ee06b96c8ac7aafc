"""The rate limiter, its keys and its limits (SPEC section 2), read from config at request time.

Flask-Limiter's own request path costs about 245 µs a request (issue 10): it checks twice (a
before_request hook for the default limit, then each decorated view's wrapper), re-parses a callable
limit's string on every request, reads every window back from the storage for its headers, and its
memory storage starts a ``threading.Timer`` every few requests. ``CorebankLimiter`` keeps Flask-Limiter's
decorator API, its ``RateLimitExceeded`` error and the ``limits`` library's limit items, keys and Redis
storage, but evaluates a request once:

- the decorators only *record* a view's limits; one before_request hook checks them (or the default
  limit for a view that has none), after CSRF, as Flask-Limiter's own hook did;
- a limit string is parsed once (cached by its text, so a test or an operator changing
  ``app.config`` still takes effect on the next request);
- all of a request's limits are counted in one storage call: one Lua script on Redis (one round
  trip, atomic), one lock on memory, whose counters expire lazily (no timer thread);
- the rate-limit headers come from that call's own counts, not from reading the windows back.

The counting is Flask-Limiter's fixed window, exactly: limits sorted by their window's unit (stable),
each counted in turn, the first over its amount breaches and the ones after it are not counted."""

from __future__ import annotations

import functools
import math
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.wrappers import Limit
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage, Storage, storage_from_string

from app.auth import principal_or_none
from entities.users import normalize_email

EXTENSION = "corebank_limiter"
_LIMITS = "_corebank_limits"  # attribute on a view function: the limits its decorators recorded
_EXEMPT = "_corebank_limit_exempt"


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


@dataclass(frozen=True)
class ConfigLimit:
    """A limit read from the current app's config (``RATELIMIT_MONEY``...) when a request is checked.
    Callable, like the lambda it replaces, for any code that asks Flask-Limiter's way."""

    name: str

    def __call__(self) -> str:
        return current_app.config[self.name]


def limit_from(name: str) -> ConfigLimit:
    return ConfigLimit(name)


@functools.lru_cache(maxsize=256)
def parsed(text: str) -> tuple[RateLimitItem, ...]:
    """``5/minute;100/hour`` -> its limit items, parsed once per distinct text."""
    return tuple(parse_many(text)) if text else ()


@dataclass(frozen=True)
class LimitSpec:
    limit: ConfigLimit | str
    key_func: object
    scope: str | None = None  # None: the endpoint's own budget
    shared: bool = False
    exempt_when: object = None


class LazyMemoryStorage(Storage):
    """Fixed-window counters in this process (``memory://``): one lock, and a window that has run out
    is dropped when it is next touched (and by a sweep at most once a minute), never by a timer."""

    STORAGE_SCHEME = None  # not registered for memory://: only CorebankLimiter makes one

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._counters: dict[str, list] = {}  # key -> [count, window end (epoch seconds)]
        self._next_sweep = 0.0

    @property
    def base_exceptions(self):
        return ValueError

    def _entry(self, key: str, now: float) -> list | None:
        entry = self._counters.get(key)
        if entry is not None and entry[1] <= now:
            del self._counters[key]
            return None
        return entry

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + 60
            for key in [k for k, (_, end) in self._counters.items() if end <= now]:
                del self._counters[key]

    def hit_many(self, hits: list[tuple[str, int, int, int]]) -> list[tuple[int, float]]:
        """Count ``(key, amount, expiry, cost)`` in order, stopping after the first one over its
        amount; returns ``(count, window end)`` for each counted."""
        out = []
        with self._lock:
            now = time.time()
            self._sweep(now)
            for key, amount, expiry, cost in hits:
                entry = self._entry(key, now)
                if entry is None:
                    entry = self._counters[key] = [0, now + expiry]
                entry[0] += cost
                out.append((entry[0], entry[1]))
                if entry[0] > amount:
                    break
        return out

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.hit_many([(key, math.inf, expiry, amount)])[0][0]

    def get(self, key: str) -> int:
        with self._lock:
            entry = self._entry(key, time.time())
        return entry[0] if entry else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            entry = self._entry(key, time.time())
        return entry[1] if entry else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._counters)
            self._counters.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)


# KEYS: the limits' keys in order; ARGV: amount, expiry and cost of each. Counts each in turn and stops
# after the first over its amount; returns count and seconds left for each counted. A key left without
# a TTL (never, but then it would count forever) gets its window again.
_HIT_MANY = """
local out = {}
for i, key in ipairs(KEYS) do
    local amount, expiry, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
    local current = redis.call('incrby', key, cost)
    local ttl = expiry
    if current == cost then
        redis.call('expire', key, expiry)
    else
        ttl = redis.call('ttl', key)
        if ttl < 0 then
            redis.call('expire', key, expiry)
            ttl = expiry
        end
    end
    out[#out + 1] = current
    out[#out + 1] = ttl
    if current > amount then
        break
    end
end
return out
"""


class RedisCounters:
    """All of a request's limits in one EVALSHA on the ``limits`` Redis storage (its keys, its prefix)."""

    def __init__(self, storage: RedisStorage):
        self.storage = storage
        self.script = storage.get_connection().register_script(_HIT_MANY)

    def hit_many(self, hits):
        keys = [self.storage.prefixed_key(key) for key, *_ in hits]
        args = [value for _, amount, expiry, cost in hits for value in (amount, expiry, cost)]
        raw = self.script(keys=keys, args=args)
        now = time.time()
        return [(int(raw[i]), now + max(int(raw[i + 1]), 0)) for i in range(0, len(raw), 2)]


class GenericCounters:
    """Any other ``limits`` storage (memcached, ...): one ``incr`` per limit, as Flask-Limiter does."""

    def __init__(self, storage: Storage):
        self.storage = storage

    def hit_many(self, hits):
        out = []
        for key, amount, expiry, cost in hits:
            count = self.storage.incr(key, expiry, amount=cost)
            out.append((count, self.storage.get_expiry(key)))
            if count > amount:
                break
        return out


def counters_for(storage: Storage):
    if isinstance(storage, LazyMemoryStorage):
        return storage
    if isinstance(storage, RedisStorage):
        return RedisCounters(storage)
    return GenericCounters(storage)


@dataclass
class _AppLimits:
    """One app's limiter state (tests make many apps, each with its own limits and storage)."""

    enabled: bool
    headers: bool
    storage: Storage
    counters: object
    defaults: tuple[LimitSpec, ...]
    exempt_blueprints: set  # the limiter's own set: exempt() may come after init_app
    by_endpoint: dict


class CorebankLimiter(Limiter):
    """Flask-Limiter's API and error, checked once per request (see the module's docstring)."""

    def __init__(self, *, key_func, default_limits=(), headers_enabled: bool = True):
        super().__init__(key_func=key_func, default_limits=list(default_limits), headers_enabled=headers_enabled)
        self._corebank_key_func = key_func
        self._corebank_defaults = tuple(LimitSpec(limit, key_func) for limit in default_limits)
        self._corebank_exempt_blueprints: set[str] = set()

    def init_app(self, app) -> None:
        """Bind to ``app``: its own storage (``RATELIMIT_STORAGE_URI``), switch and hooks. Flask-Limiter's
        own hooks are not installed: this class's one check replaces both of its."""
        config = app.config
        strategy = config.get("RATELIMIT_STRATEGY", "fixed-window")
        if strategy != "fixed-window":
            raise ValueError(f"RATELIMIT_STRATEGY {strategy!r}: Corebank counts fixed windows only")
        uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
        if uri.startswith("memory://"):
            storage = LazyMemoryStorage()
        else:
            storage = storage_from_string(uri, **config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        app.extensions[EXTENSION] = _AppLimits(
            enabled=bool(config.get("RATELIMIT_ENABLED", True)),
            headers=bool(config.get("RATELIMIT_HEADERS_ENABLED", self._headers_enabled)),
            storage=storage,
            counters=counters_for(storage),
            defaults=self._corebank_defaults,
            exempt_blueprints=self._corebank_exempt_blueprints,
            by_endpoint={},
        )
        app.before_request(check_request)
        app.after_request(add_headers)
        self.initialized = True

    def limit(self, limit_value, *, key_func=None, exempt_when=None):
        """This view's own budget (per endpoint); its limits replace the default one."""
        return self._recorder(LimitSpec(limit_value, key_func or self._corebank_key_func, exempt_when=exempt_when))

    def shared_limit(self, limit_value, scope: str, *, key_func=None, exempt_when=None):
        """One budget named ``scope`` for every view that carries it."""
        spec = LimitSpec(limit_value, key_func or self._corebank_key_func, scope, True, exempt_when)
        return self._recorder(spec)

    @staticmethod
    def _recorder(spec: LimitSpec):
        def record(view):
            setattr(view, _LIMITS, (*getattr(view, _LIMITS, ()), spec))
            return view

        return record

    def exempt(self, obj):
        """No limit at all for a blueprint (health checks) or a view."""
        if isinstance(obj, Blueprint):
            self._corebank_exempt_blueprints.add(obj.name)
        else:
            setattr(obj, _EXEMPT, True)
        return obj

    @property
    def storage(self) -> Storage:
        """The current app's storage."""
        return current_app.extensions[EXTENSION].storage

    def reset(self) -> None:
        self.storage.reset()


def _specs_for(state: _AppLimits, endpoint: str) -> tuple[LimitSpec, ...]:
    specs = state.by_endpoint.get(endpoint)
    if specs is None:
        view = current_app.view_functions.get(endpoint)
        blueprint = endpoint.rpartition(".")[0]
        if (
            view is None
            or getattr(view, _EXEMPT, False)
            or blueprint in state.exempt_blueprints
            or endpoint.rpartition(".")[2] == "static"
        ):
            specs = ()
        else:
            specs = getattr(view, _LIMITS, None) or state.defaults
        state.by_endpoint[endpoint] = specs
    return specs


def _limit_text(limit) -> str:
    if isinstance(limit, ConfigLimit):
        return current_app.config[limit.name]
    return limit() if callable(limit) else limit


def check_request() -> None:
    """The one check of a request: count every limit that applies, or raise RateLimitExceeded."""
    state = current_app.extensions[EXTENSION]
    endpoint = request.endpoint
    if not state.enabled or not endpoint:
        return
    specs = _specs_for(state, endpoint)
    if not specs:
        return
    applied = []
    for spec in specs:
        if spec.exempt_when is not None and spec.exempt_when():
            continue
        scope = spec.scope if spec.shared else (f"{endpoint}:{spec.scope}" if spec.scope else endpoint)
        identity = spec.key_func()
        applied.extend((item, spec, item.key_for(identity, scope)) for item in parsed(_limit_text(spec.limit)))
    if not applied:
        return
    applied.sort(key=lambda one: one[0].GRANULARITY.seconds)  # stable: Flask-Limiter's order
    counted = state.counters.hit_many([(key, item.amount, item.get_expiry(), 1) for item, _, key in applied])
    count, window_end = counted[-1]
    item, spec, _ = applied[len(counted) - 1]
    breached = count > item.amount
    if not breached:  # the header names a view's own limit before a shared one, as Flask-Limiter's does
        index = next((i for i, (_, s, _) in enumerate(applied) if not s.shared), 0)
        item, spec, _ = applied[index]
        count, window_end = counted[index]
    g.rate_limit = (item.amount, max(0, item.amount - count), window_end, breached)
    if breached:
        raise RateLimitExceeded(Limit(item, spec.key_func, spec.scope, shared=spec.shared))


def add_headers(response):
    """X-RateLimit-Limit/-Remaining/-Reset from the check's own counts; Retry-After when over."""
    seen = g.get("rate_limit")
    if seen is not None and current_app.extensions[EXTENSION].headers:
        amount, remaining, window_end, breached = seen
        reset_at = int(window_end + 1)
        response.headers["X-RateLimit-Limit"] = str(amount)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(reset_at)
        if breached:
            response.headers["Retry-After"] = str(max(1, math.ceil(window_end - time.time())))
    return response


# Unbound; create_app binds it. The default limit is read from the current app's config at request
# time, like every other limit.
limiter = CorebankLimiter(
    key_func=user_or_ip_key, headers_enabled=True, default_limits=[limit_from("RATELIMIT_DEFAULT")]
)


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


def _mfa_target_locked() -> bool:
    """The user of the mfa_token in the body (API or web form) is locked: answered 423 first."""
    if "login_target_locked" not in g:
        token = request.form.get("mfa_token") if request.form else None
        if token is None:
            body = request.get_json(silent=True)
            token = body.get("mfa_token") if isinstance(body, dict) else None
        g.login_target_locked = current_app.extensions["corebank"].identity.challenge_locked(token)
    return g.login_target_locked


def _mfa_target_unlocked() -> bool:
    return not _mfa_target_locked()


def mfa_limits(view):
    """The login's code step (SPEC 15), API and web form alike: RATELIMIT_LOGIN per client IP in a
    budget of its own (a login and its five wrong codes reach the lockout, not the limiter), and like
    the password step, attempts on a locked user skip it for RATELIMIT_DEFAULT per client IP."""
    view = limiter.shared_limit(
        limit_from("RATELIMIT_LOGIN"), scope="login-mfa-ip", key_func=ip_key, exempt_when=_mfa_target_locked
    )(view)
    return limiter.shared_limit(
        limit_from("RATELIMIT_DEFAULT"), scope="login-locked-ip", key_func=ip_key, exempt_when=_mfa_target_unlocked
    )(view)


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


def lookup_limit(view=None, *, exempt_when=None):
    """Account lookup: RATELIMIT_LOOKUP per user, one budget shared by every way of resolving an
    account number to a holder's name (the API lookup, the web lookup and the transfer review).
    ``exempt_when``: a request that resolves nothing is not counted (a number still being typed)."""
    decorate = limiter.shared_limit(
        limit_from("RATELIMIT_LOOKUP"), scope="account-lookup", key_func=user_or_ip_key, exempt_when=exempt_when
    )
    return decorate(view) if view is not None else decorate


def password_change_limit(view):
    """Changing the password checks the current one: RATELIMIT_LOGIN per user, so a stolen
    session or token cannot be used to guess it at the general rate."""
    return limiter.limit(limit_from("RATELIMIT_LOGIN"), key_func=user_or_ip_key)(view)
