"""Holds and card authorisations (SPEC section 13) and daily limits (section 14):
/cards/{id}/authorizations, /accounts/{id}/holds, /holds/{id}, capture, void, /accounts/{id}/limits."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, money_call, operation, parse_body, parse_query
from app.api.schemas import AuthorizationIn, CaptureIn, EmptyIn, HoldsQuery, LimitIn, StaffHoldIn
from app.auth import require_actor, services
from app.ratelimit import money_limit


@operation(
    bp,
    "POST",
    "/cards/<int:card_id>/authorizations",
    "Authorise a card payment: reserve the amount until the merchant captures it",
    tag="holds",
    body=AuthorizationIn,
    status=201,
    response="Hold",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 423, 429),
)
@money_limit
def authorize_card(card_id: int):
    actor = require_actor()
    data = parse_body(AuthorizationIn)
    return money_call(
        lambda idem: services().holds.authorize(actor, card_id, data.amount_cents, data.merchant, data.pin, idem),
        out.hold,
    )


@operation(
    bp,
    "POST",
    "/accounts/<int:account_id>/holds",
    "Staff: place a hold (a lien) on an account",
    tag="holds",
    body=StaffHoldIn,
    status=201,
    response="Hold",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 429),
)
@money_limit
def place_hold(account_id: int):
    actor = require_actor()
    data = parse_body(StaffHoldIn)
    return money_call(
        lambda idem: services().holds.place(
            actor, account_id, data.amount_cents, data.reason, data.expires_in_seconds, idem=idem
        ),
        out.hold,
    )


@operation(
    bp,
    "GET",
    "/accounts/<int:account_id>/holds",
    "The account's holds, newest first (?status=)",
    tag="holds",
    query=HoldsQuery,
    response="HoldList",
    errors=(401, 404, 422),
)
def list_holds(account_id: int):
    actor = require_actor()
    query = parse_query(HoldsQuery)
    holds, next_cursor = services().holds.for_account(
        actor, account_id, status=query.status, limit=query.limit, cursor=query.cursor
    )
    return json_response(out.page([out.hold(h) for h in holds], next_cursor))


@operation(bp, "GET", "/holds/<int:hold_id>", "One hold", tag="holds", response="Hold", errors=(401, 404))
def get_hold(hold_id: int):
    return json_response(out.hold(services().holds.get(require_actor(), hold_id)))


@operation(
    bp,
    "POST",
    "/holds/<int:hold_id>/capture",
    "Capture a card authorisation (all or part; the rest is released)",
    tag="holds",
    body=CaptureIn,
    status=201,
    response="MoneyEntry",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 429),
)
@money_limit
def capture_hold(hold_id: int):
    actor = require_actor()
    data = parse_body(CaptureIn)
    return money_call(
        lambda idem: services().holds.capture(actor, hold_id, data.amount_cents, idem),
        lambda entry: out.entry(entry, balance_of=entry.account_id),
    )


@operation(
    bp,
    "POST",
    "/holds/<int:hold_id>/void",
    "Void a pending hold: its funds are available again",
    tag="holds",
    body=EmptyIn,
    response="Hold",
    errors=(401, 403, 404, 409, 429),
)
def void_hold(hold_id: int):
    actor = require_actor()
    parse_body(EmptyIn)
    return json_response(out.hold(services().holds.void(actor, hold_id)))


@operation(
    bp,
    "POST",
    "/accounts/<int:account_id>/limits",
    "Set the account's daily limit on money out (owners may only lower it)",
    tag="accounts",
    body=LimitIn,
    response="Account",
    errors=(401, 403, 404, 409, 422, 429),
)
def set_limits(account_id: int):
    actor = require_actor()
    data = parse_body(LimitIn)
    return json_response(out.account(services().holds.set_daily_limit(actor, account_id, data.daily_limit_cents)))
