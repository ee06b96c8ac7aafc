"""API tokens: PyJWT access/refresh pairs, rotation, reuse detection, blacklist."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt

from entities import mfa
from entities.clock import iso, now_iso, utcnow
from entities.errors import TokenExpired, TokenInvalid, TokenRevoked, UserLocked
from entities.users import Actor, Role, User
from repository.sessions import SessionRecord
from services.audit import record

ALGORITHM = "HS256"
_REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "typ", "role"]


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: Role
    session_id: str
    jti: str
    expires_at: str
    amr: tuple[str, ...] = mfa.PWD


class VerifiedTokens:
    """Access tokens whose signature and claims this process has verified, with their claims, until
    they expire: a repeat presentation skips PyJWT's decode (≈ 120 µs). Only the signature check is
    remembered, never the verdict on revocation: every request still reads the blacklist, the session
    and the user from the database (``TokenService.authenticate``), so a logout, a password change or
    an admin lock made by any process is refused on the very next request everywhere. Bounded: the
    oldest entry goes when ``size`` are held."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._claims: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> dict | None:
        claims = self._claims.get(token)
        if claims is None:
            return None
        if time.time() >= claims["exp"]:  # PyJWT's own rule: expired from the second exp names
            self._claims.pop(token, None)
            raise TokenExpired()
        return claims

    def put(self, token: str, claims: dict) -> None:
        with self._lock:
            while len(self._claims) >= self.size:
                self._claims.pop(next(iter(self._claims)), None)
            self._claims[token] = claims


class TokenService:
    def __init__(self, uow_factory, settings):
        self.uow = uow_factory
        self.settings = settings
        self.verified = VerifiedTokens()

    def _encode(
        self, user_id: int, role: str, session_id: str, typ: str, lifetime: timedelta, amr: tuple[str, ...] = mfa.PWD
    ) -> tuple[str, str, str]:
        now = utcnow()
        jti = secrets.token_urlsafe(16)
        claims = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "sub": str(user_id),
            "role": role,
            "typ": typ,
            "sid": session_id,
            "jti": jti,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "amr": list(amr),
        }
        return jwt.encode(claims, self.settings.jwt_secret, algorithm=ALGORITHM), jti, iso(now + lifetime)

    def decode(self, token: str, typ: str) -> dict:
        """Verify signature (HS256 only), iss, aud, iat, nbf, exp, and the token type."""
        try:
            claims = jwt.decode(
                token,
                self.settings.jwt_secret,
                algorithms=[ALGORITHM],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": _REQUIRED},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired() from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise TokenInvalid() from exc
        if claims.get("typ") != typ or not isinstance(claims.get("sid"), str) or not str(claims["sub"]).isdigit():
            raise TokenInvalid()
        return claims

    def issue(self, actor: Actor, user: User, amr: tuple[str, ...] = mfa.PWD) -> dict:
        """Start a token family (an API session) and return its first pair; ``amr`` says what the
        login verified, and every token of the family carries it."""
        session_id = secrets.token_urlsafe(32)
        now = utcnow()
        with self.uow() as uow:
            uow.sessions.add(
                SessionRecord(
                    id=session_id,
                    user_id=user.id,
                    kind="api",
                    created_at=iso(now),
                    last_seen_at=iso(now),
                    expires_at=iso(now + timedelta(days=self.settings.refresh_token_days)),
                    revoked_at=None,
                    ip=actor.ip,
                    user_agent=(actor.user_agent or "")[:256] or None,
                    amr=" ".join(amr),
                )
            )
            pair = self._pair(uow, user.id, str(user.role), session_id, amr)
            uow.commit()
        return pair

    def _pair(self, uow, user_id: int, role: str, session_id: str, amr: tuple[str, ...]) -> dict:
        access, _, _ = self._encode(
            user_id, role, session_id, "access", timedelta(minutes=self.settings.access_token_minutes), amr
        )
        refresh, refresh_jti, refresh_exp = self._encode(
            user_id, role, session_id, "refresh", timedelta(days=self.settings.refresh_token_days), amr
        )
        uow.sessions.add_refresh(refresh_jti, session_id, refresh_exp)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.settings.access_token_minutes * 60,
        }

    def refresh(self, actor: Actor, refresh_token: str) -> tuple[dict, User]:
        """Rotate: the presented token is used up; presenting it again revokes its whole family."""
        claims = self.decode(refresh_token, "refresh")
        now = now_iso()
        with self.uow() as uow:
            stored = uow.sessions.get_refresh(claims["jti"])
            session = uow.sessions.get(claims["sid"])
            if stored is None or session is None or stored["session_id"] != session.id:
                raise TokenInvalid()
            user = uow.users.get(session.user_id)
            if session.revoked_at is not None:
                raise TokenRevoked()
            if stored["used_at"] is not None or uow.sessions.is_blacklisted(claims["jti"]):
                uow.sessions.revoke(session.id, now)
                record(uow, actor, "token.reuse", "denied", "session", None, user_id=user.id)
                uow.commit()
                raise TokenRevoked("Refresh token reuse detected: the session is revoked")
            if user.is_locked(now):
                raise UserLocked()
            uow.sessions.mark_refresh_used(claims["jti"], now)
            uow.sessions.blacklist(claims["jti"], stored["expires_at"])
            uow.sessions.touch(session.id, now)
            pair = self._pair(uow, user.id, str(user.role), session.id, mfa.amr_of(session.amr))  # the family's
            record(uow, actor, "token.refresh", "success", "user", user.id)
            uow.commit()
        return pair, user

    def authenticate(self, access_token: str) -> Principal:
        """The principal of a valid, unrevoked access token: the signature verified once per process
        (``VerifiedTokens``), the blacklist, the session and the user read on every request, in one
        statement."""
        claims = self.verified.get(access_token)
        if claims is None:
            claims = self.decode(access_token, "access")
            self.verified.put(access_token, claims)
        user_id = int(claims["sub"])
        with self.uow(write=False, one_statement=True) as uow:
            state = uow.sessions.access_state(claims["sid"], claims["jti"], user_id)
        if state.blacklisted:
            raise TokenRevoked()
        if state.session_user_id is None or state.role is None or state.session_user_id != user_id:
            raise TokenInvalid()
        if state.revoked:
            raise TokenRevoked()
        amr = mfa.PWD_OTP if "otp" in (claims.get("amr") or ()) else mfa.PWD
        return Principal(user_id, Role(state.role), claims["sid"], claims["jti"], iso_from_epoch(claims["exp"]), amr)

    def logout(self, actor: Actor, principal: Principal, refresh_token: str | None = None) -> None:
        """Blacklist the access token and revoke its session, which revokes its refresh tokens."""
        now = now_iso()
        with self.uow() as uow:
            uow.sessions.blacklist(principal.jti, principal.expires_at)
            uow.sessions.revoke(principal.session_id, now)
            if refresh_token:
                try:
                    claims = self.decode(refresh_token, "refresh")
                except (TokenInvalid, TokenExpired):
                    claims = None
                if claims and int(claims["sub"]) == principal.user_id:
                    uow.sessions.blacklist(claims["jti"], iso_from_epoch(claims["exp"]))
                    uow.sessions.revoke(claims["sid"], now)
            uow.sessions.purge_expired(now)
            record(uow, actor, "logout", "success", "user", principal.user_id)
            uow.commit()


def iso_from_epoch(epoch: int) -> str:
    from datetime import UTC, datetime

    return iso(datetime.fromtimestamp(int(epoch), UTC))
