"""Staff and admin use cases: users, locks, roles, customer search."""

from __future__ import annotations

from functools import partial

from entities import valid_id
from entities.approvals import ApprovalAction, needs_approval_for_role, role_subject
from entities.clock import now_iso
from entities.errors import Forbidden, NotFound, OwnAccount, ValidationFailed, not_visible
from entities.users import STAFF, Actor, Role, User, normalize_email
from services import approvals
from services.audit import deny, reason_details, record

# Separation of duties (SPEC section 1), as the error each refusal raises.
ONLY_ADMIN_UNLOCKS_STAFF = partial(Forbidden, "Only an admin unlocks a teller or an admin")
NOT_OWN_ROLE = partial(Forbidden, "Nobody changes their own role")


class AdminService:
    def __init__(self, uow_factory, settings):
        self.uow = uow_factory
        self.settings = settings

    def list_users(self, actor: Actor, *, locked: bool = False, after_id: int | None = None, limit: int = 50):
        with self.uow(write=False) as uow:
            if not actor.is_admin:
                deny(uow, actor, "user.list", error=Forbidden)
            return uow.users.list(locked_at=now_iso() if locked else None, after_id=after_id, limit=limit)

    def locked_users(self, actor: Actor, limit: int = 200) -> list[User]:
        """Staff: users locked now (for the unlock page)."""
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "user.list_locked", error=Forbidden)
            return uow.users.list(locked_at=now_iso(), limit=limit)

    def unlock_queue(self, actor: Actor, limit: int = 200) -> dict:
        """Staff: what the unlock page lists, in one snapshot: users locked now, and
        PIN-locked accounts each with its owner, as {"users": [...], "accounts": [(account, owner)]}."""
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "unlock_queue.read", error=Forbidden)
            users = uow.users.list(locked_at=now_iso(), limit=limit)
            accounts = [(account, uow.users.get(account.owner_id)) for account in uow.accounts.pin_locked(limit)]
        return {"users": users, "accounts": accounts}

    def search_customers(self, actor: Actor, query: str, *, after_id: int | None = None, limit: int = 20) -> list[User]:
        """Staff: customers matching ``query`` (part of an email or name, or a whole account number),
        by id, after ``after_id``, at most ``limit``."""
        query = (query or "").strip()
        if not 1 <= len(query) <= 100:
            raise ValidationFailed(errors=[{"field": "q", "message": "must be 1 to 100 characters"}])
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "customer.search", error=Forbidden)
            return uow.users.search_customers(query, limit, after_id or 0)

    def get_user(self, actor: Actor, user_id: int) -> User:
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "user.read", "user", user_id, error=Forbidden)
            user = uow.users.lock(user_id) if valid_id(user_id) else None  # PostgreSQL: the row until commit
        if user is None:
            raise not_visible("user", user_id)
        return user

    def user_by_email(self, actor: Actor, email: str) -> User:
        """Staff: one user by email."""
        email = normalize_email(email)
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "user.read", "user", None, error=Forbidden)
            user = uow.users.by_email(email)
        if user is None:
            raise NotFound("No user has this email")
        return user

    def unlock(self, actor: Actor, user_id: int) -> User:
        """Staff: lift a login lock or an admin lock; never one's own, and only an admin unlocks staff."""
        with self.uow() as uow:
            user = self._target(uow, actor, user_id, "user.unlock", admin_only=False)
            if user.id == actor.user_id:
                deny(uow, actor, "user.unlock", "user", user.id, error=OwnAccount, reason="own_account")
            if user.role in STAFF and not actor.is_admin:
                deny(uow, actor, "user.unlock", "user", user.id, error=ONLY_ADMIN_UNLOCKS_STAFF, reason="staff_user")
            user.failed_logins, user.locked_until, user.admin_locked = 0, None, False
            uow.users.save_login_state(user)
            record(uow, actor, "user.unlock", "success", "user", user.id)
            uow.commit()
        return user

    def lock(self, actor: Actor, user_id: int, reason: str | None = None) -> User:
        """Admin: lock a user until unlocked, revoking every session and token; the audit keeps ``reason``."""
        why = reason_details(reason)
        with self.uow() as uow:
            user = self._target(uow, actor, user_id, "user.lock", admin_only=True)
            if user.id == actor.user_id:
                raise ValidationFailed(errors=[{"field": "id", "message": "you cannot lock yourself"}])
            user.admin_locked = True
            uow.users.save_login_state(user)
            revoked = uow.sessions.revoke_all_for_user(user.id, now_iso())
            record(uow, actor, "user.lock", "success", "user", user.id, sessions_revoked=revoked, **why)
            uow.commit()
        return user

    def set_role(self, actor: Actor, user_id: int, role: str, reason: str | None = None):
        """Admin: change a user's role, revoking every session and token; the audit keeps ``reason``.
        Granting the admin role is checked as if it were made, then sent for another admin's
        approval (SPEC section 15): the pending Approval is returned instead of the user."""
        if role not in set(Role):
            raise ValidationFailed(errors=[{"field": "role", "message": "must be customer, teller or admin"}])
        why = reason_details(reason)
        with self.uow() as uow:
            user = self._role_target(uow, actor, user_id)
            if needs_approval_for_role(user.role, Role(role)):
                details = role_grant_details(user, role, why.get("reason"))
                subject = role_subject(user.id)
                approval = approvals.request(uow, actor, ApprovalAction.ROLE_GRANT, subject, details, why.get("reason"))
                uow.commit()
                return approval
            self._apply_role(uow, actor, user, role, why)
            uow.commit()
        return user

    def grant_role(self, uow, actor: Actor, user_id: int, role: str, reason, approval_id=None) -> User:
        """An approved role change, in the approval's transaction (not committed here), with every
        check made again for ``actor``, the approver."""
        user = self._role_target(uow, actor, user_id)
        self._apply_role(uow, actor, user, role, {**reason_details(reason), "approval_id": approval_id})
        return user

    def _role_target(self, uow, actor: Actor, user_id: int) -> User:
        user = self._target(uow, actor, user_id, "user.role", admin_only=True)
        if user.id == actor.user_id:  # SPEC section 1: nobody changes their own role
            deny(uow, actor, "user.role", "user", user.id, error=NOT_OWN_ROLE, reason="own_role")
        return user

    @staticmethod
    def _apply_role(uow, actor: Actor, user: User, role: str, why: dict) -> None:
        previous, user.role = user.role, Role(role)
        uow.users.save_role(user)
        revoked = uow.sessions.revoke_all_for_user(user.id, now_iso())
        record(
            uow,
            actor,
            "user.role",
            "success",
            "user",
            user.id,
            previous=str(previous),
            role=role,
            sessions_revoked=revoked,
            **why,
        )

    def _target(self, uow, actor: Actor, user_id: int, action: str, *, admin_only: bool) -> User:
        if not (actor.is_admin if admin_only else actor.is_staff):
            deny(uow, actor, action, "user", user_id, error=Forbidden)
        user = uow.users.lock(user_id) if valid_id(user_id) else None  # PostgreSQL: the row until commit
        if user is None:
            raise not_visible("user", user_id)
        return user


def role_grant_details(user: User, role: str, reason: str | None) -> dict:
    """What a checker needs to decide on a role grant: who, from which role to which, and why."""
    return {
        "user_id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "from_role": str(user.role),
        "to_role": role,
        "reason": reason,
    }
