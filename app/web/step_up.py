"""Step-up on the money forms (SPEC 15): when a transfer or withdrawal asks the caller for a code
from their authenticator app, so a form shows the `otp` field only to someone who will need it."""

from __future__ import annotations

from app.auth import require_actor, services
from entities.ledger import EntryKind


def step_up_cents() -> int:
    return services().settings.step_up_cents


def step_up_needed(amount_cents: int | None, kind: EntryKind = EntryKind.TRANSFER) -> bool:
    """Whether this amount asks the caller for a code (the service decides again when money moves)."""
    return amount_cents is not None and services().ledger.step_up_needed(require_actor(), amount_cents, kind)


def code_field(kind: EntryKind = EntryKind.WITHDRAWAL) -> dict:
    """For a form that takes the amount and the PIN at once (no review step): whether to offer the
    code field (the caller has a factor, so large amounts will ask), and from which amount."""
    threshold = step_up_cents()
    return {"step_up": step_up_needed(threshold, kind), "step_up_cents": threshold}
