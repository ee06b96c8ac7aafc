"""Monthly statements over the API: totals, continuity, empty and invalid months, CSV, query plans."""

import csv
import io
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from entities.accounts import SystemAccount
from entities.ledger import EntryKind, declined, post_between
from entities.users import Actor
from repository.ledger import STATEMENT_DECLINED_SQL, STATEMENT_LINES_SQL, STATEMENT_OPENING_SQL
from services.audit import record
from tests.conftest import PIN
from tests.support import databases

VAULT, SETTLEMENT = SystemAccount.CASH_VAULT, SystemAccount.CARD_SETTLEMENT


@contextmanager
def backdated(services):
    """Post entries at chosen past times straight through the repositories, in one unit of work,
    storing balances and auditing each entry as the ledger service does
    (so `flask verify`, which cross-checks entries against the audit log, still passes)."""
    with services.uow() as uow:
        cache = {}

        def account(ref):
            if ref not in cache:
                cache[ref] = uow.accounts.system(ref, "USD") if isinstance(ref, str) else uow.accounts.get(ref)
            return cache[ref]

        def post(when, kind, debit, credit, amount, memo=None):
            debit, credit = account(debit), account(credit)
            on, other = (credit, debit) if kind == EntryKind.DEPOSIT else (debit, credit)
            entry = post_between(
                kind,
                debit,
                credit,
                amount,
                memo=memo,
                account_id=on.id,
                counterparty_id=None if other.is_system else other.id,
                actor_id=None,
            )
            entry.created_at = when
            stored = uow.accounts.save_balances(debit, credit)
            for kept, posting in zip(stored, entry.postings, strict=True):
                if not kept:  # as LedgerService.post: PostgreSQL's sealer folds a system posting later
                    posting.balance_after_cents = None
            uow.ledger.add(entry)
            sides = {"account_id": entry.account_id, "counterparty_account_id": entry.counterparty_account_id}
            record(uow, Actor(), str(kind), "success", "journal_entry", entry.id, amount_cents=amount, **sides)

        def decline(when, kind, account_id, amount, reason, memo=None):
            entry = declined(
                kind, amount, "USD", reason, memo=memo, account_id=account_id, counterparty_id=None, actor_id=None
            )
            entry.created_at = when
            uow.ledger.add(entry)
            sides = {"account_id": account_id, "counterparty_account_id": None}
            record(
                uow,
                Actor(),
                str(kind),
                "declined",
                "journal_entry",
                entry.id,
                amount_cents=amount,
                reason=reason,
                **sides,
            )

        yield post, decline
        uow.commit()


def day(text: str) -> str:
    return f"{text}T12:00:00.000000Z"


@pytest.fixture
def history(api, services):
    """Alice's checking account A with activity in January to March 2024, and Bob's account B."""
    _, alice = api.customer("Alice Cooper")
    _, bob = api.customer("Bob Marley")
    a, b = api.account(alice), api.account(bob)
    with backdated(services) as (post, decline):
        post(day("2024-01-10"), EntryKind.DEPOSIT, VAULT, a["id"], 50_000, "Salary")
        post(day("2024-01-11"), EntryKind.DEPOSIT, VAULT, b["id"], 20_000)
        post("2024-02-01T00:00:00.000000Z", EntryKind.DEPOSIT, VAULT, a["id"], 20_000, "Bonus")
        post(day("2024-02-05"), EntryKind.WITHDRAWAL, a["id"], VAULT, 5_000, "ATM withdrawal")
        post(day("2024-02-10"), EntryKind.TRANSFER, a["id"], b["id"], 10_000, "Rent share")
        post(day("2024-02-12"), EntryKind.TRANSFER, b["id"], a["id"], 3_000, '=HYPERLINK("http://x")')
        post(day("2024-02-15"), EntryKind.CARD_PURCHASE, a["id"], SETTLEMENT, 2_500, "Corner Coffee")
        decline(day("2024-02-20"), EntryKind.CARD_PURCHASE, a["id"], 99_999, "insufficient_funds", "Big TV")
        post("2024-02-29T23:59:59.999999Z", EntryKind.CARD_PURCHASE, a["id"], SETTLEMENT, 500, "Late snack")
        post("2024-03-01T00:00:00.000000Z", EntryKind.DEPOSIT, VAULT, a["id"], 1_000)
    return {"alice": alice, "bob": bob, "a": a, "b": b}


def _statement(client, headers, account_id, month, **query):
    return client.get(f"/api/v1/accounts/{account_id}/statements/{month}", headers=headers, query_string=query)


def test_a_month_with_every_kind_of_operation(client, history):
    response = _statement(client, history["alice"], history["a"]["id"], "2024-02")
    assert response.status_code == 200
    body = response.json
    assert list(body) == [
        "account_id",
        "month",
        "opening_balance_cents",
        "closing_balance_cents",
        "total_credits_cents",
        "total_debits_cents",
        "count",
        "lines",
        "declined",
    ]
    assert {k: v for k, v in body.items() if k not in ("lines", "declined")} == {
        "account_id": history["a"]["id"],
        "month": "2024-02",
        "opening_balance_cents": 50_000,
        "closing_balance_cents": 55_000,
        "total_credits_cents": 23_000,
        "total_debits_cents": 18_000,
        "count": 6,
    }
    assert [(line["kind"], line["amount_cents"], line["balance_after_cents"]) for line in body["lines"]] == [
        ("deposit", 20_000, 70_000),
        ("withdrawal", -5_000, 65_000),
        ("transfer", -10_000, 55_000),
        ("transfer", 3_000, 58_000),
        ("card_purchase", -2_500, 55_500),
        ("card_purchase", -500, 55_000),
    ]
    assert [line["counterparty"] for line in body["lines"]] == [
        "cash-vault",
        "cash-vault",
        history["b"]["number"],
        history["b"]["number"],
        "card-settlement",
        "card-settlement",
    ]


def test_declined_operations_are_listed_apart_and_excluded_from_totals(client, history):
    body = _statement(client, history["alice"], history["a"]["id"], "2024-02").json
    [item] = body["declined"]
    assert {k: v for k, v in item.items() if k != "entry_id"} == {
        "kind": "card_purchase",
        "status": "declined",
        "amount_cents": -99_999,
        "counterparty": None,
        "memo": "Big TV",
        "decline_reason": "insufficient_funds",
        "created_at": day("2024-02-20"),
    }
    assert all(line["status"] == "posted" for line in body["lines"])
    assert body["opening_balance_cents"] + body["total_credits_cents"] - body["total_debits_cents"] == 55_000


def test_month_boundaries_are_half_open_in_utc(client, history):
    feb = _statement(client, history["alice"], history["a"]["id"], "2024-02").json["lines"]
    mar = _statement(client, history["alice"], history["a"]["id"], "2024-03").json["lines"]
    assert (feb[0]["created_at"], feb[-1]["created_at"]) == (
        "2024-02-01T00:00:00.000000Z",
        "2024-02-29T23:59:59.999999Z",
    )
    assert [line["created_at"] for line in mar] == ["2024-03-01T00:00:00.000000Z"]


def test_opening_of_each_month_equals_closing_of_the_one_before(client, history):
    months = ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    bodies = [_statement(client, history["alice"], history["a"]["id"], m).json for m in months]
    assert [(b["opening_balance_cents"], b["closing_balance_cents"]) for b in bodies] == [
        (0, 0),
        (0, 50_000),
        (50_000, 55_000),
        (55_000, 56_000),
        (56_000, 56_000),
        (56_000, 56_000),
    ]
    for before, after in zip(bodies, bodies[1:], strict=False):
        assert after["opening_balance_cents"] == before["closing_balance_cents"]


@pytest.mark.parametrize(("month", "opening"), [("2023-12", 0), ("2024-04", 56_000), ("1999-01", 0)])
def test_a_past_month_without_activity_is_200_with_zero_totals(client, history, month, opening):
    response = _statement(client, history["alice"], history["a"]["id"], month)
    assert response.status_code == 200
    assert response.json == {
        "account_id": history["a"]["id"],
        "month": month,
        "opening_balance_cents": opening,
        "closing_balance_cents": opening,
        "total_credits_cents": 0,
        "total_debits_cents": 0,
        "count": 0,
        "lines": [],
        "declined": [],
    }


def test_the_counterparty_side_sees_its_own_signs(client, history):
    body = _statement(client, history["bob"], history["b"]["id"], "2024-02").json
    assert [(line["amount_cents"], line["counterparty"]) for line in body["lines"]] == [
        (10_000, history["a"]["number"]),
        (-3_000, history["a"]["number"]),
    ]
    assert (body["opening_balance_cents"], body["closing_balance_cents"]) == (20_000, 27_000)


def test_backdated_history_keeps_the_ledger_verifiable(services, history):
    assert all(check.passed for check in services.verification.run())


def _next_month(now: datetime) -> str:
    return f"{now.year + 1}-01" if now.month == 12 else f"{now.year}-{now.month + 1:02d}"


@pytest.mark.parametrize(
    "month", ["2025-13", "2025-00", "abc", "2025-1", "2025-001", "20251", "1969-12", "next", "２０２４-01"]
)
def test_an_invalid_or_future_month_is_422(api, client, month):
    _, headers = api.customer()
    account = api.account(headers)
    month = _next_month(datetime.now(UTC)) if month == "next" else month
    response = _statement(client, headers, account["id"], month)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert response.json["errors"][0]["field"] == "month"


def test_an_unknown_format_is_422(client, history):
    response = _statement(client, history["alice"], history["a"]["id"], "2024-02", format="xml")
    assert (response.status_code, response.json["code"]) == (422, "validation_error")


def test_csv_has_a_header_and_one_row_per_line(client, history):
    response = _statement(client, history["alice"], history["a"]["id"], "2024-02", format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="statement-{history["a"]["number"]}-2024-02.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["created_at", "entry_id", "kind", "description", "counterparty", "amount", "balance_after"]
    assert [row[2:] for row in rows[1:]] == [
        ["deposit", "Bonus", "cash-vault", "200.00", "700.00"],
        ["withdrawal", "ATM withdrawal", "cash-vault", "-50.00", "650.00"],
        ["transfer", "Rent share", history["b"]["number"], "-100.00", "550.00"],
        ["transfer", '\'=HYPERLINK("http://x")', history["b"]["number"], "30.00", "580.00"],
        ["card_purchase", "Corner Coffee", "card-settlement", "-25.00", "555.00"],
        ["card_purchase", "Late snack", "card-settlement", "-5.00", "550.00"],
    ]
    assert rows[1][0] == "2024-02-01T00:00:00.000000Z"


def test_csv_of_an_empty_month_is_the_header_only(client, history):
    response = _statement(client, history["alice"], history["a"]["id"], "2024-04", format="csv")
    assert (
        response.get_data(as_text=True) == "created_at,entry_id,kind,description,counterparty,amount,balance_after\r\n"
    )


def test_another_customers_statement_is_404_and_audited(api, client, history):
    response = _statement(client, history["bob"], history["a"]["id"], "2024-02")
    assert (response.status_code, response.json["code"]) == (404, "not_found")
    csv_response = _statement(client, history["bob"], history["a"]["id"], "2024-02", format="csv")
    assert (csv_response.status_code, csv_response.mimetype) == (404, "application/problem+json")
    _, admin = api.staff("admin")
    denied = client.get("/api/v1/admin/audit?action=statement.read&outcome=denied", headers=admin).json["items"]
    assert [r["resource_id"] for r in denied] == [str(history["a"]["id"])] * 2


def test_a_teller_reads_a_customers_statement(api, client, history):
    _, teller = api.staff("teller")
    response = _statement(client, teller, history["a"]["id"], "2024-02")
    assert (response.status_code, response.json["closing_balance_cents"]) == (200, 55_000)


def test_the_current_month_reflects_live_operations(api, client):
    _, alice = api.customer()
    _, bob = api.customer()
    account = api.funded_account(alice, 10_000)
    other = api.account(bob)
    assert (
        client.post(
            f"/api/v1/accounts/{account['id']}/withdrawals", json={"amount_cents": 1_000, "pin": PIN}, headers=alice
        ).status_code
        == 201
    )
    assert api.transfer(alice, account["id"], other["number"], 2_000).status_code == 201
    card = client.post(f"/api/v1/accounts/{account['id']}/card", headers=alice).json
    purchase = {"amount_cents": 700, "merchant": "Grocer & Co", "pin": PIN}
    assert client.post(f"/api/v1/cards/{card['id']}/purchases", json=purchase, headers=alice).status_code == 201
    client.post(f"/api/v1/cards/{card['id']}/freeze", headers=alice)
    assert client.post(f"/api/v1/cards/{card['id']}/purchases", json=purchase, headers=alice).status_code == 409
    month = datetime.now(UTC).strftime("%Y-%m")
    body = _statement(client, alice, account["id"], month).json
    assert (body["opening_balance_cents"], body["total_credits_cents"], body["total_debits_cents"]) == (
        0,
        10_000,
        3_700,
    )
    assert (body["closing_balance_cents"], body["count"]) == (6_300, 4)
    assert [(d["kind"], d["decline_reason"], d["memo"]) for d in body["declined"]] == [
        ("card_purchase", "card_frozen", "Grocer & Co")
    ]


def _plan(services, sql, params):
    """The query's plan, one step a line: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with
    sequential scans priced out (on tables this small its planner rightly reads them whole, so what is
    asked there is whether an index serves the query at all: without one it scans all the same)."""
    with services.uow(write=False) as uow:
        if not databases.on_postgresql():
            return [row[3] for row in uow.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        uow.conn.execute("SET LOCAL enable_seqscan = off")  # this read's transaction only
        return [row[0] for row in uow.conn.execute("EXPLAIN (COSTS OFF) " + sql, params)]


def _searched_with(steps, index):
    """PostgreSQL: the Index Cond a step searching ``index`` uses, or None when no step does."""
    for at, step in enumerate(steps):
        if f" using {index} on " in step or f"Bitmap Index Scan on {index}" in step:
            return next(s.strip() for s in steps[at + 1 :] if s.strip().startswith("Index Cond:"))
    return None


@pytest.mark.parametrize("analyzed", [False, True])
def test_statement_queries_search_indexes_and_never_scan_history(services, history, analyzed):
    if analyzed:  # with planner statistics too, as a long-running database would have
        with services.uow() as uow:
            uow.conn.execute("ANALYZE")
            uow.commit()
    start, end = "2024-02-01T00:00:00.000000Z", "2024-03-01T00:00:00.000000Z"
    account_id = history["a"]["id"]
    plans = {
        "opening": _plan(services, STATEMENT_OPENING_SQL, (account_id, start)),
        "lines": _plan(services, STATEMENT_LINES_SQL, (account_id, start, end)),
        "declined": _plan(services, STATEMENT_DECLINED_SQL, (account_id, start, end)),
    }
    if databases.on_postgresql():
        assert not [s for steps in plans.values() for s in steps if "Seq Scan" in s], plans
        opening = _searched_with(plans["opening"], "postings_account_created")
        assert opening and "account_id = " in opening and "created_at < " in opening, plans
        month = ("account_id = ", "created_at >= ", "created_at < ")
        for name, index in (("lines", "postings_account_created"), ("declined", "journal_declined_by_account_created")):
            searched = _searched_with(plans[name], index)
            assert searched and all(part in searched for part in month), plans
        return
    for steps in plans.values():
        assert not [s for s in steps if s.startswith("SCAN") or "TEMP B-TREE" in s], plans
    assert plans["opening"] == ["SEARCH postings USING INDEX postings_account_created (account_id=? AND created_at<?)"]
    assert (
        "SEARCH p USING INDEX postings_account_created (account_id=? AND created_at>? AND created_at<?)"
        in (plans["lines"])
    )
    assert plans["declined"][0] == (
        "SEARCH e USING INDEX journal_declined_by_account_created (account_id=? AND created_at>? AND created_at<?)"
    )
