"""The approvals inbox (SPEC section 15): requests that wait for a second staff member, and the
decided ones (?status=), each said in words; approve (with a confirmation) and reject (with a reason)."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.ratelimit import money_limit
from app.web.forms import form_failed, free_text
from app.web.htmx import done, fragment, is_htmx, render
from entities.errors import DomainError, NotFound, ValidationFailed
from entities.money import format_cents

bp = Blueprint("approvals", __name__)

PAGE = 20
TABS = (("pending", "Waiting"), ("approved", "Approved"), ("rejected", "Rejected"), ("", "All"))
ENTRY_WORDS = {
    "deposit": "a cash deposit",
    "withdrawal": "a cash withdrawal",
    "transfer": "a transfer",
    "card_purchase": "a card purchase",
}
SYSTEM_WORDS = {"cash-vault": "the bank's cash", "card-settlement": "the card settlement account"}


def _status() -> str:
    status = request.args.get("status", "pending")
    if status not in dict(TABS):
        raise ValidationFailed(errors=[{"field": "status", "message": "must be pending, approved or rejected"}])
    return status


def _inbox() -> dict:
    status = _status()
    items, next_cursor = services().approvals.list(
        require_actor(), status=status or None, limit=PAGE, cursor=request.args.get("cursor") or None
    )
    return {"approvals": items, "next_cursor": next_cursor, "tab": status, "tabs": TABS, **_context(items)}


def _context(items) -> dict:
    """The people named on a page of requests (a name reads better than #17), and each request in words."""
    ids = {i for a in items for i in (a.requested_by, a.decided_by) if i is not None}
    people = {}
    for user_id in sorted(ids):
        try:
            people[user_id] = services().admin.get_user(require_actor(), user_id)
        except NotFound:
            continue
    return {"people": people, "words": {a.id: describe(a) for a in items}}


def describe(approval) -> dict:
    """What a checker reads: a title, the sentence saying what would happen, and the amount."""
    d = approval.details
    executed = str(approval.status) == "approved"
    if str(approval.action) == "role_grant":
        return {
            "title": f"Make {d['full_name']} an admin",
            "what": f"{d['full_name']} ({d['email']}) "
            + (
                f"went from {d['from_role']} to admin and was signed out everywhere."
                if executed
                else f"would go from {d['from_role']} to admin, and be signed out everywhere."
            ),
            "amount": None,
            "button": f"Approve: make {d['full_name']} an admin",
        }
    amount = format_cents(d["amount_cents"], d["currency"])
    kind = ENTRY_WORDS.get(d.get("entry_kind"), "an entry")
    return {
        "title": f"Reverse {kind} of {amount}",
        "what": f"{amount} {'went' if executed else 'would go'} back from {_party(d['from_account'])}"
        f" to {_party(d['to_account'])}.",
        "amount": amount,
        "memo": d.get("memo"),
        "button": f"Approve: reverse {amount}",
    }


def _party(account: dict) -> str:
    if account.get("system"):
        return SYSTEM_WORDS.get(account["system"], "the bank")
    holder = account.get("holder") or "a customer"
    return f"{holder}'s {str(account.get('type', '')).capitalize()} ···{account.get('number', '')[-4:]}"


@bp.get("/approvals")
def index():
    return render("pages/approvals/index.html", "partials/approvals/_inbox.html", **_inbox())


@bp.get("/approvals/items")
def items():
    """The next page of requests (keyset)."""
    if not is_htmx():
        return index()
    return fragment("partials/approvals/_items.html", **_inbox())


def _page_view(approval_id: int):
    """The whole inbox with one request's failed form open (a plain form post)."""

    def view(forms=None, status=200):
        context = {**_inbox(), "failed_id": approval_id, "failed_forms": forms or {}}
        return render("pages/approvals/index.html", "partials/approvals/_inbox.html", status, **context)

    return view


def _decided(approval, message: str):
    return done(
        message,
        url_for("approvals.index", status=str(approval.status)),
        partial="partials/approvals/_item.html",
        approval=approval,
        forms={},
        **_context([approval]),
    )


@bp.post("/approvals/<int:approval_id>/approve")
@money_limit
def approve(approval_id: int):
    try:
        approval = services().approvals.approve(require_actor(), approval_id, free_text("reason"))
    except DomainError as error:
        return _refused(error, approval_id, "approve")
    return _decided(approval, f"Approved and done: {describe(approval)['title']}.")


@bp.post("/approvals/<int:approval_id>/reject")
def reject(approval_id: int):
    try:
        approval = services().approvals.reject(require_actor(), approval_id, request.form.get("reason", ""))
    except DomainError as error:
        return _refused(error, approval_id, "reject")
    verb = "Withdrawn" if approval.withdrawn else "Rejected"
    return _decided(approval, f"{verb}: {describe(approval)['title']}. Nothing was changed.")


def _refused(error: DomainError, approval_id: int, name: str):
    """The request again with the refusal next to the form that was sent (it stays pending)."""
    approval = services().approvals.get(require_actor(), approval_id)
    return form_failed(
        error,
        name,
        "partials/approvals/_item.html",
        _page_view(approval_id),
        approval=approval,
        open_form=name,
        **_context([approval]),
    )
