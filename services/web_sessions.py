"""Server-side web sessions: a random 256-bit cookie whose SHA-256 is the record id."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from entities import mfa
from entities.clock import iso, now_iso, parse_iso, utcnow
from entities.users import Actor, User
from repository.sessions import SessionRecord
from services.audit import deny, record


def session_id_of(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


@dataclass(frozen=True)
class WebPrincipal:
    user: User
    session_id: str
    amr: tuple[str, ...] = mfa.PWD

    @property
    def user_id(self) -> int:  # the same name an API principal uses (rate-limit keys read it)
        return self.user.id


class WebSessionService:
    def __init__(self, uow_factory, settings):
        self.uow = uow_factory
        self.settings = settings

    def start(self, actor: Actor, user: User, amr: tuple[str, ...] = mfa.PWD) -> str:
        """Create a session record; returns the cookie value (only its hash is stored). ``amr``: what
        the login verified (the password, and a second factor when the login asked for one)."""
        cookie = secrets.token_urlsafe(32)
        now = utcnow()
        with self.uow() as uow:
            uow.sessions.add(
                SessionRecord(
                    id=session_id_of(cookie),
                    user_id=user.id,
                    kind="web",
                    created_at=iso(now),
                    last_seen_at=iso(now),
                    expires_at=iso(now + timedelta(hours=self.settings.web_absolute_hours)),
                    revoked_at=None,
                    ip=actor.ip,
                    user_agent=(actor.user_agent or "")[:256] or None,
                    amr=" ".join(amr),
                )
            )
            uow.commit()
        return cookie

    def resolve(self, cookie: str) -> WebPrincipal | None:
        """The session's user, or None when unknown, revoked, idle too long or past its absolute limit."""
        session_id = session_id_of(cookie)
        now = utcnow()
        with self.uow(write=False) as uow:
            session = uow.sessions.get(session_id)
            if session is None or session.kind != "web" or session.revoked_at is not None:
                return None
            idle_limit = parse_iso(session.last_seen_at) + timedelta(minutes=self.settings.web_idle_minutes)
            if now >= idle_limit or iso(now) >= session.expires_at:
                return None
            user = uow.users.get(session.user_id)
        if user is None or user.admin_locked:
            return None
        # Refresh the idle clock at most once a minute to keep page loads read-only.
        if now - parse_iso(session.last_seen_at) > timedelta(seconds=60):
            with self.uow() as uow:
                uow.sessions.touch(session_id, iso(now))
                uow.commit()
        return WebPrincipal(user, session_id, mfa.amr_of(session.amr))

    def end(self, actor: Actor, session_id: str) -> None:
        """Delete the record: replaying the old cookie no longer authenticates."""
        with self.uow() as uow:
            uow.sessions.delete(session_id)
            record(uow, actor, "logout", "success", "session", None, kind="web")
            uow.commit()

    def list(self, actor: Actor) -> list[SessionRecord]:
        """The caller's live sessions: web sessions idle past the limit no longer count."""
        now = utcnow()
        idle_cutoff = iso(now - timedelta(minutes=self.settings.web_idle_minutes))
        with self.uow(write=False) as uow:
            sessions = uow.sessions.active_for_user(actor.user_id, iso(now))
        return [s for s in sessions if s.kind != "web" or s.last_seen_at > idle_cutoff]

    def end_other(self, actor: Actor, session_id: str) -> None:
        """End one of the caller's own sessions (web or API); another user's is 404."""
        with self.uow() as uow:
            session = uow.sessions.get(session_id)
            if session is None or session.user_id != actor.user_id:
                deny(uow, actor, "session.end", "session", None)
            uow.sessions.revoke(session_id, now_iso())
            record(uow, actor, "session.end", "success", "session", None, kind=session.kind)
            uow.commit()
