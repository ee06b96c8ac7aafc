"""Settings from the environment (and .env). Production fails fast on missing or
weak secrets; development generates them once into the instance folder (0600)."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "CARD_KEYS", "AUDIT_KEY")
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    pass


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _optional_int(name: str, minimum: int, maximum: int) -> int | None:
    """An integer setting that is off when unset (no limit)."""
    if not os.environ.get(name, "").strip():
        return None
    value = _int(name, minimum, minimum)
    if value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}")
    return value


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first is the default)."""
    value = os.environ.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return default if not raw else raw in ("1", "true", "yes", "on")


def load_config(instance_path: str | Path) -> dict:
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    env = os.environ.get("COREBANK_ENV", "development").strip() or "development"
    if env not in ("development", "production", "test"):
        raise ConfigError("COREBANK_ENV must be development, production or test")
    config = {
        "COREBANK_ENV": env,
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": _int("PORT", 8000, 1),
        "WORKERS": _int("WORKERS", 1, 1),
        "THREADS": _int("THREADS", 4, 1),
        "SERVER": _choice("SERVER", ("gunicorn", "granian")),  # granian: opt-in (README, "the server")
        "WORKER_TIMEOUT": _int("WORKER_TIMEOUT", 30, 2),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "sqlite:///instance/corebank.db",
        # SQLite group commit (repository/sqlite/writer.py, which reads the same variable in every process).
        "SQLITE_GROUP_COMMIT": _bool("SQLITE_GROUP_COMMIT", True),
        "BCRYPT_COST": _int("BCRYPT_COST", 12, 4),
        "LOCKOUT_MINUTES": _int("LOCKOUT_MINUTES", 30, 1),
        "PIN_UNLOCKS_PER_DAY": _int("PIN_UNLOCKS_PER_DAY", 3, 0),
        # Holds and limits (SPEC sections 13 and 14).
        "HOLD_EXPIRY_SECONDS": _int("HOLD_EXPIRY_SECONDS", 604800, 1),
        "DAILY_LIMIT_CENTS": _optional_int("DAILY_LIMIT_CENTS", 1, 10**12),
        "CUSTOMER_DEPOSIT_DAILY_CENTS": _optional_int("CUSTOMER_DEPOSIT_DAILY_CENTS", 1, 10**12),
        # Dual control (SPEC section 15): reversals of at least this take a second staff member.
        "DUAL_CONTROL_CENTS": _int("DUAL_CONTROL_CENTS", 100000, 1),
        # Webhooks (SPEC section 16).
        "WEBHOOK_MAX_ATTEMPTS": _int("WEBHOOK_MAX_ATTEMPTS", 8, 1),
        "WEBHOOK_RETRY_SECONDS": _int("WEBHOOK_RETRY_SECONDS", 10, 1),
        "WEBHOOK_ALLOW_PRIVATE": _bool("WEBHOOK_ALLOW_PRIVATE", False),
        # SPEC 15: on by default in production only; development and test sign staff in with a password.
        "MFA_REQUIRED_FOR_STAFF": _bool("MFA_REQUIRED_FOR_STAFF", env == "production"),
        "STEP_UP_CENTS": _int("STEP_UP_CENTS", 100000, 1),
        # false only for `make bench`, which measures the cost of the events outbox (SPEC 16).
        "EVENTS_OUTBOX": _bool("EVENTS_OUTBOX", True),
        "ACCESS_TOKEN_MINUTES": _int("ACCESS_TOKEN_MINUTES", 15, 1),
        "REFRESH_TOKEN_DAYS": _int("REFRESH_TOKEN_DAYS", 7, 1),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0, 0),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN") or "5/minute",
        "RATELIMIT_LOGIN_EMAIL": os.environ.get("RATELIMIT_LOGIN_EMAIL") or "10/minute",
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER") or "3/minute",
        "RATELIMIT_REFRESH": os.environ.get("RATELIMIT_REFRESH") or "10/minute",
        "RATELIMIT_MONEY": os.environ.get("RATELIMIT_MONEY") or "20/minute",
        "RATELIMIT_LOOKUP": os.environ.get("RATELIMIT_LOOKUP") or "30/minute",
        "RATELIMIT_DEFAULT": os.environ.get("RATELIMIT_DEFAULT") or "300/minute",
        "LOG_DIR": os.environ.get("LOG_DIR") or str(PROJECT_ROOT / "logs"),
    }
    check_events_outbox(config)
    if env == "production" and config["SERVER"] == "granian":
        # README, "The server": granian's graceful shutdown once more answered a transfer that was
        # not committed (CI, 2026-12-03); until that is explained, money never runs on it.
        raise ConfigError("SERVER=granian is refused in production: it lost an answered transfer on shutdown")
    config.update(_secrets(env, Path(instance_path)))
    return config


def check_events_outbox(config: dict) -> None:
    """EVENTS_OUTBOX=false (no events written) exists for the bench's measurement: never in production."""
    outbox = config.get("EVENTS_OUTBOX", True)
    off = outbox is False or str(outbox).strip().lower() in ("0", "false", "no", "off")
    if config.get("COREBANK_ENV") == "production" and off:
        raise ConfigError("EVENTS_OUTBOX=false is for the bench only: production writes every change's event")


def _secrets(env: str, instance_path: Path) -> dict:
    found = {name: os.environ.get(name, "").strip() for name in SECRET_NAMES}
    if env == "production":
        for name in ("SECRET_KEY", "JWT_SECRET", "PIN_PEPPER", "AUDIT_KEY"):
            if len(found[name]) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    f"{name} is missing or weak: production needs at least {MIN_SECRET_LENGTH} characters"
                )
        check_card_keys(found["CARD_KEYS"])
        return found
    if all(found.values()):
        return found
    if env == "test":  # throwaway secrets: tests never touch the instance folder
        fresh = {name: secrets.token_urlsafe(48) for name in SECRET_NAMES}
        fresh["CARD_KEYS"] = Fernet.generate_key().decode()
        return {name: found[name] or fresh[name] for name in SECRET_NAMES}
    generated = _instance_secrets(instance_path)
    return {name: found[name] or generated[name] for name in SECRET_NAMES}


def check_card_keys(value: str) -> list[str]:
    keys = [k.strip() for k in value.split(",") if k.strip()]
    if not keys:
        raise ConfigError("CARD_KEYS is missing: give one or more Fernet keys, newest first")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError("CARD_KEYS holds a key that is not a valid Fernet key") from None
    return keys


def _instance_secrets(instance_path: Path) -> dict:
    """Development secrets, generated once and kept in instance/secrets.json (mode 0600). A file
    written by an earlier version lacks the newer names (AUDIT_KEY): they are added to it, and the
    values already there are kept. A lock beside the file makes concurrent starts agree on one set."""
    path = instance_path / "secrets.json"
    private_folder(instance_path)
    lock = os.open(instance_path / "secrets.json.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        values = json.loads(path.read_text()) if path.exists() else {}
        missing = [name for name in SECRET_NAMES if not values.get(name)]
        if missing:
            values.update({name: _new_secret(name) for name in missing})
            _write_private(path, values)
        return values
    finally:
        os.close(lock)  # closing the descriptor releases the flock


def private_folder(path: str | Path) -> Path:
    """The instance folder (secrets, the default database): only the server's user may enter it
    (0700), whatever the umask, and tightened if an earlier start left it open (SPEC section 2)."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    secrets_file = folder / "secrets.json"
    if secrets_file.exists():
        os.chmod(secrets_file, 0o600)
    return folder


def _new_secret(name: str) -> str:
    return Fernet.generate_key().decode() if name == "CARD_KEYS" else secrets.token_urlsafe(48)


def _write_private(path: Path, values: dict) -> None:
    """Replace ``path`` atomically with a file only its owner can read (0600 from its creation)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
