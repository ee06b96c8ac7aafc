"""POST /transfers, GET /transactions/{id}, POST /transactions/{id}/reverse."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, money_call, operation, parse_body
from app.api.schemas import ReverseIn, TransferIn
from app.auth import require_actor, services
from app.ratelimit import money_limit


@operation(
    bp,
    "POST",
    "/transfers",
    "Transfer to an account number",
    tag="money",
    body=TransferIn,
    status=201,
    response="Entry",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 423, 429),
)
@money_limit
def transfer():
    actor = require_actor()
    data = parse_body(TransferIn)
    return money_call(
        lambda idem: services().ledger.transfer(
            actor, data.from_account_id, data.to_account_number, data.amount_cents, data.pin, data.memo, idem, data.otp
        ),
        out.entry,
    )


@operation(
    bp,
    "GET",
    "/transactions/<int:entry_id>",
    "One journal entry with its postings",
    tag="money",
    response="Entry",
    errors=(401, 404),
)
def get_transaction(entry_id: int):
    return json_response(out.entry(services().ledger.get_entry(require_actor(), entry_id)))


@operation(
    bp,
    "POST",
    "/transactions/<int:entry_id>/reverse",
    "Staff: reverse a posted entry",
    tag="money",
    body=ReverseIn,
    status=201,
    response="Entry",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 429),
    extra={"accepted": "Approval"},
)
@money_limit
def reverse_transaction(entry_id: int):
    """A reversal of at least `DUAL_CONTROL_CENTS` is not posted at once: it is answered `202` with the
    pending approval, which another staff member decides (`POST /api/v1/approvals/{id}/approve`)."""
    actor = require_actor()
    data = parse_body(ReverseIn)
    return money_call(lambda idem: services().ledger.reverse(actor, entry_id, data.reason, idem), out.entry)
