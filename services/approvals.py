"""Dual control, four eyes (SPEC section 15).

A reversal of at least DUAL_CONTROL_CENTS and a grant of the admin role are not executed when asked:
the asking service runs every check the action makes for its requester, then ``request`` stores a
pending Approval in the same transaction (audited as approval.request; no event: SPEC 16's types are closed).
Another staff member (an admin for the admin role) approves it: the action runs again, in one
transaction, under the approver's authority, so every check is made again for the approver (their
own accounts, their role); the decision is written in that same transaction by a conditional
update, so of two racing approvals exactly one executes. A refusal leaves the request pending.
The requester may not approve their own request, but may withdraw it (a rejection)."""

from __future__ import annotations

from entities import representation, valid_id
from entities.approvals import (
    MAX_APPROVALS_PAGE,
    Approval,
    ApprovalAction,
    ApprovalStatus,
    already_pending,
    reversal_subject,
)
from entities.clock import now_iso
from entities.cursor import decode_cursor, encode_cursor
from entities.errors import ApprovalNotPending, Forbidden, SamePerson, ValidationFailed, not_visible
from entities.text import clean_text
from entities.users import Actor
from services import idempotency
from services.audit import MAX_REASON, deny, record


def request(uow, actor: Actor, action: ApprovalAction, subject: str, details: dict, reason: str | None) -> Approval:
    """Store a pending request in ``uow``'s transaction (the caller commits), audited and published.
    A subject that already waits for a decision is 409 conflict, naming the waiting request."""
    if existing := uow.approvals.pending_for(action, subject):
        raise already_pending(existing)
    approval = Approval(None, action, subject, actor.user_id, details, now_iso(), reason)
    if uow.approvals.add(approval) is None:  # a concurrent request for the same subject won
        raise already_pending(uow.approvals.pending_for(action, subject) or approval)
    _audit(uow, actor, "approval.request", approval)
    return approval


class ApprovalService:
    def __init__(self, uow_factory, ledger, admin):
        self.uow = uow_factory
        # The executors run an approved action inside the approval's own transaction.
        self.executors = {
            ApprovalAction.REVERSAL: lambda uow, actor, a: representation.entry(
                ledger.execute_reversal(uow, actor, a.details["entry_id"], a.reason, approval_id=a.id)
            ),
            ApprovalAction.ROLE_GRANT: lambda uow, actor, a: representation.user(
                admin.grant_role(uow, actor, a.details["user_id"], a.details["to_role"], a.reason, approval_id=a.id)
            ),
        }

    def list(self, actor: Actor, *, status: str | None = None, limit: int = 50, cursor: str | None = None):
        """Staff: requests newest first (``status`` pending, approved or rejected); (items, next_cursor)."""
        if status is not None and status not in set(ApprovalStatus):
            raise ValidationFailed(errors=[{"field": "status", "message": "must be pending, approved or rejected"}])
        before = decode_cursor(cursor)
        limit = max(1, min(limit, MAX_APPROVALS_PAGE))
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "approval.list", error=Forbidden)
            items = uow.approvals.list(
                status=ApprovalStatus(status) if status else None, before_id=before, limit=limit + 1
            )
        next_cursor = encode_cursor(items[limit - 1].id) if len(items) > limit else None
        return items[:limit], next_cursor

    def get(self, actor: Actor, approval_id: int) -> Approval:
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "approval.read", "approval", approval_id, error=Forbidden)
            approval = uow.approvals.get(approval_id) if valid_id(approval_id) else None
        if approval is None:
            raise not_visible("approval", approval_id)
        return approval

    def reversals_waiting_among(self, actor: Actor, entry_ids) -> set[int]:
        """Staff: which of these entries (a page of history) have a reversal waiting for approval."""
        ids = [entry_id for entry_id in entry_ids if valid_id(entry_id)][:MAX_APPROVALS_PAGE]
        with self.uow(write=False) as uow:
            if not actor.is_staff:
                deny(uow, actor, "approval.read", error=Forbidden)
            waiting = uow.approvals.pending_among(ApprovalAction.REVERSAL, [reversal_subject(i) for i in ids])
        return {entry_id for entry_id in ids if reversal_subject(entry_id) in waiting}

    def pending_count(self, actor: Actor) -> int:
        """Staff: how many requests wait for a decision (the navigation's badge)."""
        if not actor.is_staff:
            return 0
        with self.uow(write=False) as uow:
            return uow.approvals.count_pending()

    def approve(self, actor: Actor, approval_id: int, note: str | None = None, idem=None) -> Approval:
        """Another staff member (an admin for role_grant) executes the request under their own
        authority; the approval, approved, carries the action's answer in ``result``. Any refusal
        (403, or the action failing) leaves it pending."""
        note = clean_text(note, "reason", MAX_REASON, required=False)
        with self.uow() as uow:
            if actor.is_staff and (replayed := idempotency.replay(uow, actor, idem)):
                return replayed  # a retry of an approval already made: its answer, not 409
            approval = self._deciding(uow, actor, approval_id, "approval.approve")
            if approval.requested_by == actor.user_id:
                deny(uow, actor, "approval.approve", "approval", approval.id, error=SamePerson, reason="same_person")
            result = self.executors[approval.action](uow, actor, approval)
            approval.approve(actor.user_id, now_iso(), result, note)
            idempotency.remember(uow, actor.user_id, idem, approval)
            self._decide(uow, actor, "approval.approve", approval)
        return approval

    def reject(self, actor: Actor, approval_id: int, reason) -> Approval:
        """Staff (an admin for role_grant) refuse a request with a reason; nothing is executed.
        The requester may reject their own request: they withdraw it."""
        reason = clean_text(reason, "reason", MAX_REASON, required=True)
        with self.uow() as uow:
            approval = self._deciding(uow, actor, approval_id, "approval.reject")
            approval.reject(actor.user_id, now_iso(), reason)
            self._decide(uow, actor, "approval.reject", approval)
        return approval

    def _deciding(self, uow, actor: Actor, approval_id: int, action: str) -> Approval:
        """The request, locked until the decision commits; refused unless pending and ``actor`` may decide."""
        if not actor.is_staff:
            deny(uow, actor, action, "approval", approval_id, error=Forbidden)
        approval = uow.approvals.get(approval_id, lock=True) if valid_id(approval_id) else None
        if approval is None:
            raise not_visible("approval", approval_id)
        if approval.needs_admin() and not actor.is_admin:
            deny(uow, actor, action, "approval", approval.id, error=_ONLY_ADMIN, reason="admin_only")
        approval.check_pending()
        return approval

    @staticmethod
    def _decide(uow, actor: Actor, audit_action: str, approval: Approval) -> None:
        if not uow.approvals.decide(approval):  # never on a locked row; kept as the last word on a race
            raise ApprovalNotPending()
        _audit(uow, actor, audit_action, approval)
        uow.commit()


def _ONLY_ADMIN() -> Forbidden:
    return Forbidden("Only an admin decides on granting the admin role")


def _audit(uow, actor: Actor, audit_action: str, approval: Approval) -> None:
    extra = {}
    if approval.decision_reason:
        extra["reason"] = approval.decision_reason
    elif audit_action == "approval.request" and approval.reason:
        extra["reason"] = approval.reason
    if approval.withdrawn:
        extra["withdrawn"] = True
    record(
        uow,
        actor,
        audit_action,
        "success",
        "approval",
        approval.id,
        approval_action=str(approval.action),
        subject=approval.subject,
        requested_by=approval.requested_by,
        **extra,
    )
