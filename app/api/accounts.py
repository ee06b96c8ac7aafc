"""/accounts: open, list, read, lookup, PIN, deposit, withdraw, history, status changes."""

from __future__ import annotations

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, money_call, operation, parse_body, parse_query
from app.api.schemas import (
    AccountsQuery,
    DepositIn,
    EmptyIn,
    HistoryQuery,
    LookupQuery,
    OpenAccountIn,
    PinChangeIn,
    ReasonIn,
    WithdrawalIn,
)
from app.auth import require_actor, services
from app.ratelimit import lookup_limit, money_limit


@operation(
    bp,
    "GET",
    "/accounts",
    "List my accounts (staff: ?owner_id=)",
    tag="accounts",
    query=AccountsQuery,
    response="AccountList",
    errors=(401, 403, 422),
)
def list_accounts():
    actor = require_actor()
    query = parse_query(AccountsQuery)
    shown, next_cursor = out.page_of(services().accounts.list(actor, query.owner_id), query)
    return json_response(out.page([out.account(a) for a in shown], next_cursor))


@operation(
    bp,
    "POST",
    "/accounts",
    "Open an account",
    tag="accounts",
    body=OpenAccountIn,
    status=201,
    response="Account",
    errors=(401, 403, 422),
)
def open_account():
    actor = require_actor()
    data = parse_body(OpenAccountIn)
    account = services().accounts.open(actor, data.type, data.pin, data.currency, data.owner_id)
    return json_response(out.account(account), 201)


@operation(
    bp,
    "GET",
    "/accounts/lookup",
    "Recipient check: number and masked holder",
    tag="accounts",
    query=LookupQuery,
    response="Lookup",
    errors=(401, 404, 422, 429),
)
@lookup_limit
def lookup_account():
    actor = require_actor()
    query = parse_query(LookupQuery)
    return json_response(services().accounts.lookup(actor, query.number))


@operation(
    bp, "GET", "/accounts/<int:account_id>", "One account", tag="accounts", response="Account", errors=(401, 404)
)
def get_account(account_id: int):
    return json_response(out.account(services().accounts.get(require_actor(), account_id)))


@operation(
    bp,
    "POST",
    "/accounts/<int:account_id>/pin",
    "Change the transaction PIN",
    tag="accounts",
    body=PinChangeIn,
    status=204,
    errors=(401, 403, 404, 422, 423),
)
def change_pin(account_id: int):
    actor = require_actor()
    data = parse_body(PinChangeIn)
    services().accounts.change_pin(actor, account_id, data.current_pin, data.new_pin)
    return "", 204


@operation(
    bp,
    "POST",
    "/accounts/<int:account_id>/deposits",
    "Deposit cash",
    tag="money",
    body=DepositIn,
    status=201,
    response="MoneyEntry",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 429),
)
@money_limit
def deposit(account_id: int):
    actor = require_actor()
    data = parse_body(DepositIn)
    return money_call(
        lambda idem: services().ledger.deposit(actor, account_id, data.amount_cents, data.memo, idem),
        lambda entry: out.entry(entry, balance_of=account_id),
    )


@operation(
    bp,
    "POST",
    "/accounts/<int:account_id>/withdrawals",
    "Withdraw cash with the PIN",
    tag="money",
    body=WithdrawalIn,
    status=201,
    response="MoneyEntry",
    idempotent=True,
    errors=(401, 403, 404, 409, 422, 423, 429),
)
@money_limit
def withdraw(account_id: int):
    actor = require_actor()
    data = parse_body(WithdrawalIn)
    return money_call(
        lambda idem: services().ledger.withdraw(
            actor, account_id, data.amount_cents, data.pin, data.memo, idem, otp=data.otp
        ),
        lambda entry: out.entry(entry, balance_of=account_id),
    )


@operation(
    bp,
    "GET",
    "/accounts/<int:account_id>/transactions",
    "History, newest first (keyset)",
    tag="accounts",
    query=HistoryQuery,
    response="HistoryPage",
    errors=(401, 404, 422),
)
def history(account_id: int):
    actor = require_actor()
    q = parse_query(HistoryQuery)
    items, next_cursor = services().ledger.history(
        actor,
        account_id,
        limit=q.limit,
        cursor=q.cursor,
        kind=q.kind,
        status=q.status,
        date_from=q.from_,
        date_to=q.to,
    )
    return json_response(out.page([out.history_item(i) for i in items], next_cursor))


def _status_change(name: str, summary: str, *, reason: bool = True):
    """``reason``: the action takes an optional ``{"reason"}`` for its audit record (unlock takes none)."""
    body = ReasonIn if reason else EmptyIn

    def view(account_id: int):
        actor = require_actor()
        data = parse_body(body)
        change = getattr(services().accounts, name)
        account = change(actor, account_id, data.reason) if reason else change(actor, account_id)
        return json_response(out.account(account))

    view.__name__ = f"account_{name}"
    operation(
        bp,
        "POST",
        f"/accounts/<int:account_id>/{name}",
        summary,
        tag="accounts",
        body=body,
        response="Account",
        errors=(401, 403, 404, 409, 422),
    )(view)


_status_change("close", "Close an account at zero balance")
_status_change("freeze", "Staff: freeze an account")
_status_change("unfreeze", "Staff: unfreeze an account")
_status_change("unlock", "Staff: clear an account's PIN lock", reason=False)
