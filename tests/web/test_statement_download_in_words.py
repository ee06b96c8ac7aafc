"""SPEC section 10, "Words, not ledger codes" (review of issue 14, item 5): the statements page's
"Download CSV" says what the statement page says: the holder, the account and the month on top, each
line in words, times in the holder's zone. The API's CSV (/api/v1, for programs) keeps its codes."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, datetime

import pytest

from app.api.serializers import STATEMENT_CSV_HEADER, statement_csv
from entities.users import Actor, Role
from tests.conftest import PIN

ZONE = "Europe/Berlin"


@pytest.fixture
def statement(web):
    dana = web.user("Dana Scully")
    bob = web.user("Bob Dylan")
    checking = web.account(dana, 100_000)
    bob_account = web.account(bob)
    me = web.actor(dana)
    web.services.ledger.withdraw(me, checking.id, 2_000, PIN)
    web.services.ledger.transfer(me, checking.id, bob_account.number, 5_000, PIN, "Rent")
    card = web.services.cards.issue(me, checking.id)
    web.services.cards.purchase(me, card.card.id, 1_299, "=Blue Bottle Coffee", PIN)
    web.services.identity.update_profile(me, timezone=ZONE)
    return dana, checking


def download(web, user, account) -> tuple[object, list[list[str]]]:
    web.login(user)
    month = datetime.now(UTC).strftime("%Y-%m")
    response = web.client.get(f"/statements/{account.id}/{month}.csv")
    return response, list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_download_names_the_holder_the_account_and_the_month(web, statement):
    dana, checking = statement
    response, rows = download(web, dana, checking)
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    month = datetime.now(UTC).strftime("%Y-%m")
    assert response.headers["Content-Disposition"] == f'attachment; filename="statement-{checking.number}-{month}.csv"'
    assert rows[0] == ["Corebank statement"]
    assert rows[1] == ["Account holder", "Dana Scully"]
    assert rows[2] == ["Account", f"Checking {checking.number}"]
    assert rows[3] == ["Month", datetime.now(UTC).strftime("%B %Y")]
    assert rows[4] == ["Currency", "USD"]
    assert rows[5] == ["Times in", ZONE]
    assert rows[6:11] == [
        ["Opening balance", "0.00"],
        ["Money in", "1000.00"],
        ["Money out", "82.99"],
        ["Closing balance", "917.01"],
        ["Transactions", "4"],
    ]


def test_each_line_is_in_the_statement_pages_words_and_the_holders_zone(web, statement):
    dana, checking = statement
    _, rows = download(web, dana, checking)
    header = rows.index(["Date", "Time", "Description", "Type", "Note", "Amount", "Balance"])
    lines = rows[header + 1 :]
    assert [line[2:] for line in lines] == [
        ["Cash deposit", "", "", "1000.00", "1000.00"],
        ["Cash withdrawal", "", "", "-20.00", "980.00"],
        ["To Bob D.", "Transfer", "Rent", "-50.00", "930.00"],
        ["'=Blue Bottle Coffee", "Card purchase", "", "-12.99", "917.01"],  # no formula in a spreadsheet
    ]
    zone_name = datetime.now(zoneinfo.ZoneInfo(ZONE)).strftime("%Z")
    assert all(line[1].endswith(f" {zone_name}") for line in lines)
    assert all(len(line[0].split()) == 3 for line in lines)  # "04 Dec 2026", as the pages show days
    text = "\n".join(",".join(row) for row in rows)
    for code in ("cash-vault", "card-settlement", "card_purchase", ",deposit,", "T0", "Z,"):
        assert code not in text


def test_staff_downloading_a_customers_statement_see_the_holders_name(web, statement):
    _, checking = statement
    teller = web.user("Tess Teller", role="teller")
    web.services.identity.update_profile(Actor(user_id=teller.id, role=Role.TELLER), timezone="UTC")
    _, rows = download(web, teller, checking)
    assert rows[1] == ["Account holder", "Dana Scully"]
    assert rows[5] == ["Times in", "UTC"]


def test_the_apis_csv_keeps_its_columns_for_programs(web, statement):
    dana, checking = statement
    month = datetime.now(UTC).strftime("%Y-%m")
    api_text = statement_csv(web.services.statements.monthly(web.actor(dana), checking.id, month))
    assert api_text.splitlines()[0] == ",".join(STATEMENT_CSV_HEADER)
    assert "cash-vault" in api_text
