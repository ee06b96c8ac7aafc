"""Admin pages: users and roles, the unlock page, the audit log viewer and the verification report."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.web.audit_words import action_choices, rows_in_words
from app.web.forms import form_failed, optional, required_reason
from app.web.htmx import done, fragment, is_htmx, render
from entities.approvals import Approval
from entities.cursor import decode_cursor, encode_cursor
from entities.errors import DomainError, NotFound, ValidationFailed
from entities.users import Role

bp = Blueprint("admin", __name__)

USERS_PAGE = 50
AUDIT_PAGE = 50
ROLES = [(str(r), str(r).capitalize()) for r in Role]
OUTCOMES = [("", "Any outcome")] + [(o, o.capitalize()) for o in ("success", "failure", "denied", "declined")]


def _users() -> dict:
    users = services().admin.list_users(
        require_actor(), after_id=decode_cursor(request.args.get("cursor") or None), limit=USERS_PAGE + 1
    )
    next_cursor = encode_cursor(users[USERS_PAGE - 1].id) if len(users) > USERS_PAGE else None
    return {"users": users[:USERS_PAGE], "next_cursor": next_cursor, "roles": ROLES}


def _page(forms=None, status=200):
    return render("pages/admin/index.html", "partials/admin/_index.html", status, forms=forms or {}, **_users())


@bp.get("/admin")
def index():
    return _page()


@bp.get("/admin/users")
def users():
    """The next page of the users table (keyset on id)."""
    if not is_htmx():
        return _page()
    return fragment("partials/admin/_user_rows.html", **_users())


def _row(user, message: str):
    return done(message, url_for("admin.index"), partial="partials/admin/_user_row.html", user=user, roles=ROLES)


@bp.post("/admin/users/<int:user_id>/role")
def set_role(user_id: int):
    return _user_action(
        user_id,
        "role",
        lambda actor: services().admin.set_role(
            actor, user_id, request.form.get("role", ""), required_reason(_is_admin(actor))
        ),
        lambda user: f"{user.full_name} is now {user.role}. Their sessions were signed out.",
    )


@bp.post("/admin/users/<int:user_id>/lock")
def lock_user(user_id: int):
    return _user_action(
        user_id,
        "lock",
        lambda actor: services().admin.lock(actor, user_id, required_reason(_is_admin(actor))),
        lambda user: f"{user.full_name} is locked and signed out everywhere.",
    )


def _is_admin(actor) -> bool:
    return actor.role == Role.ADMIN


def _user_action(user_id: int, name: str, change, message):
    """One admin change to a user's row; a refusal re-renders the row with that form open and its error."""
    actor = require_actor()
    try:
        user = change(actor)
    except DomainError as error:
        target = services().admin.get_user(actor, user_id)
        return form_failed(
            error, name, "partials/admin/_user_row.html", _page, user=target, roles=ROLES, open_form=name
        )
    if isinstance(user, Approval):
        return _sent_for_approval(actor, user)
    return _row(user, message(user))


def _sent_for_approval(actor, approval):
    """Granting the admin role waits for another admin (SPEC 15): the row says so, with the inbox's link."""
    user = services().admin.get_user(actor, approval.details["user_id"])
    return done(
        f"Sent for approval: making {user.full_name} an admin needs a second admin. See Approvals.",
        url_for("approvals.index"),
        partial="partials/admin/_user_row.html",
        user=user,
        roles=ROLES,
        awaiting_approval=True,
    )


@bp.post("/admin/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    user = services().admin.unlock(require_actor(), user_id)
    return _row(user, f"{user.full_name} can log in again.")


# The unlock page: locked users and PIN-locked accounts, each row with its own Unlock button.


@bp.get("/admin/unlock")
def unlock_page():
    queue = services().admin.unlock_queue(require_actor())
    return render("pages/admin/unlock.html", "partials/admin/_unlock.html", queue=queue)


@bp.post("/admin/unlock/users/<int:user_id>")
def unlock_queued_user(user_id: int):
    user = services().admin.unlock(require_actor(), user_id)
    return done(
        f"{user.full_name} can log in again.",
        url_for("admin.unlock_page"),
        partial="partials/admin/_queue_user_row.html",
        user=user,
        unlocked=True,
    )


@bp.post("/admin/unlock/accounts/<int:account_id>")
def unlock_queued_account(account_id: int):
    account = services().accounts.unlock(require_actor(), account_id)
    return done(
        f"Account {account.number} is unlocked.",
        url_for("admin.unlock_page"),
        partial="partials/admin/_queue_account_row.html",
        account=account,
        owner=None,
        unlocked=True,
    )


# Audit log viewer


def _audit_filters() -> dict:
    args = request.args
    filters = {
        name: (optional(name, args) or "") for name in ("actor_id", "action", "outcome", "resource_type", "resource_id")
    }
    actor_id = filters["actor_id"]
    if actor_id and "@" in actor_id:  # an email is easier to know than an id
        filters["actor_id"] = actor_id = str(_user_id_by_email(actor_id))
    if actor_id and not (actor_id.isascii() and actor_id.isdigit() and len(actor_id) <= 18):
        raise ValidationFailed(
            "Actor is an email or a user id", errors=[{"field": "actor_id", "message": "must be an email or an id"}]
        )
    if filters["outcome"] and filters["outcome"] not in dict(OUTCOMES):
        raise ValidationFailed(errors=[{"field": "outcome", "message": "unknown outcome"}])
    if any(len(value) > 64 for value in filters.values()):
        raise ValidationFailed("Filters are at most 64 characters")
    return filters


def _audit() -> dict:
    filters = _audit_filters()
    records = services().audit.list(
        require_actor(),
        limit=AUDIT_PAGE + 1,
        before_id=decode_cursor(request.args.get("cursor") or None),
        actor_id=int(filters["actor_id"]) if filters["actor_id"] else None,
        action=filters["action"] or None,
        outcome=filters["outcome"] or None,
        resource_type=filters["resource_type"] or None,
        resource_id=filters["resource_id"] or None,
    )
    next_cursor = encode_cursor(records[AUDIT_PAGE - 1].id) if len(records) > AUDIT_PAGE else None
    records = records[:AUDIT_PAGE]
    # People, accounts and cards by name: one query each for the whole page, not one per row.
    names = services().audit.names(require_actor(), records)
    return {
        "rows": rows_in_words(records, names),
        "next_cursor": next_cursor,
        "filters": filters,
        "outcomes": OUTCOMES,
        "action_groups": action_choices(filters["action"]),
    }


def _user_id_by_email(email: str) -> int:
    try:
        return services().admin.user_by_email(require_actor(), email).id
    except NotFound:
        raise ValidationFailed(
            "No user has this email", errors=[{"field": "actor_id", "message": "no user has this email"}]
        ) from None


@bp.get("/admin/audit")
def audit():
    return render("pages/admin/audit.html", "partials/admin/_audit.html", **_audit())


@bp.get("/admin/audit/rows")
def audit_rows():
    if not is_htmx():
        return audit()
    return fragment("partials/admin/_audit_rows.html", **_audit())


@bp.get("/admin/verify")
def verify():
    report = services().verification.report(require_actor())
    return render("pages/admin/verify.html", "partials/admin/_verification.html", report=report)
