"""Dual control (SPEC section 15): an action that takes a second staff member's approval (a large
reversal, a grant of the admin role) waits as an Approval until another one decides it. Rules only:
no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from entities.errors import ApprovalNotPending, Conflict
from entities.users import Role

MAX_APPROVALS_PAGE = 200


class ApprovalAction(enum.StrEnum):
    REVERSAL = "reversal"
    ROLE_GRANT = "role_grant"


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass
class Approval:
    id: int | None
    action: ApprovalAction
    subject: str  # what it acts on ("journal_entry:12", "user:7"): one pending request each
    requested_by: int
    details: dict  # what a checker needs to decide (see services/approvals.py)
    created_at: str
    reason: str | None = None  # the requester's: why the action is asked for
    status: ApprovalStatus = ApprovalStatus.PENDING
    decided_by: int | None = None
    decided_at: str | None = None
    decision_reason: str | None = None  # a rejection's reason (an approval's optional note)
    result: dict | None = None  # the executed action's answer, exactly as the API gave it
    extra: dict = field(default_factory=dict)

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    def needs_admin(self) -> bool:
        """Only an admin decides on the admin role (SPEC 1: only an admin changes roles)."""
        return self.action == ApprovalAction.ROLE_GRANT

    def check_pending(self) -> None:
        if not self.is_pending:
            raise ApprovalNotPending(f"This request was {self.status} already")

    def approve(self, approver_id: int, at: str, result: dict, note: str | None = None) -> None:
        self.check_pending()
        self.status, self.decided_by, self.decided_at = ApprovalStatus.APPROVED, approver_id, at
        self.result, self.decision_reason = result, note

    def reject(self, decider_id: int, at: str, reason: str) -> None:
        self.check_pending()
        self.status, self.decided_by, self.decided_at = ApprovalStatus.REJECTED, decider_id, at
        self.decision_reason = reason

    @property
    def withdrawn(self) -> bool:
        """Rejected by its own requester: the maker took the request back."""
        return self.status == ApprovalStatus.REJECTED and self.decided_by == self.requested_by


def reversal_subject(entry_id: int) -> str:
    return f"journal_entry:{entry_id}"


def role_subject(user_id: int) -> str:
    return f"user:{user_id}"


def needs_approval_for_role(current: Role, new: Role) -> bool:
    """Granting the admin role takes a second admin (an admin keeping it is no grant)."""
    return new == Role.ADMIN and current != Role.ADMIN


def already_pending(existing: Approval) -> Conflict:
    """A second request for a subject that already waits for a decision: answered with the first one's id."""
    return Conflict(
        f"Request #{existing.id} for this is already waiting for approval",
        approval_id=existing.id,
    )
