"""The statements page's CSV download, in the statement page's words (SPEC 10): whose statement it is,
each line as services/line_names.py names it, days and times in the reader's zone. The API's CSV
(app/api/serializers.py) stays the one for programs: ledger codes and ISO UTC times."""

from __future__ import annotations

import csv
import io

from flask import Response

from app.web.filters import humanize, localtime
from app.web.zones import user_timezone

COLUMNS = ("Date", "Time", "Description", "Type", "Note", "Amount", "Balance")
DECLINED_COLUMNS = ("Date", "Time", "Description", "Reason", "Amount")


def statement_download(statement, account, holder: str, month_label: str, names) -> Response:
    """The statement as a CSV attachment; ``names`` are the lines' words, by entry id."""
    response = Response(_text(statement, account, holder, month_label, names), mimetype="text/csv")
    filename = f"statement-{statement.account_number}-{statement.month}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # a statement is private
    return response


def _text(statement, account, holder, month_label, names) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(
        [
            ["Corebank statement"],
            ["Account holder", _cell(holder)],
            ["Account", f"{humanize(account.type)} {account.number}"],
            ["Month", month_label],
            ["Currency", statement.currency],
            ["Times in", user_timezone()],
            ["Opening balance", _decimal(statement.opening_balance_cents)],
            ["Money in", _decimal(statement.total_credits_cents)],
            ["Money out", _decimal(statement.total_debits_cents)],
            ["Closing balance", _decimal(statement.closing_balance_cents)],
            ["Transactions", statement.count],
            [],
            COLUMNS,
        ]
    )
    for line in statement.lines:
        name = names[line.entry_id]
        writer.writerow(
            [
                *_when(line.created_at),
                _cell(name.title),
                name.kind,
                _cell(name.note),
                _decimal(line.amount_cents),
                _decimal(line.balance_after_cents),
            ]
        )
    if statement.declined:
        writer.writerows([[], ["Declined operations (nothing moved; not in the totals)"], DECLINED_COLUMNS])
        for item in statement.declined:
            title = _cell(names[item.entry_id].title)
            amount = _decimal(item.amount_cents)
            writer.writerow([*_when(item.created_at), title, humanize(item.decline_reason), amount])
    return buffer.getvalue()


def _decimal(cents: int) -> str:
    """An exact decimal a spreadsheet reads as a number ("-12.50"): the currency is in the head."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def _when(created_at: str) -> tuple[str, str]:
    """The day and the time with its zone, as the statement page shows them ("04 Dec 2026", "14:05 CET")."""
    return localtime(created_at, "%d %b %Y"), localtime(created_at, "%H:%M %Z")


def _cell(value: str | None) -> str:
    # Memos and merchants come from other people: a cell starting with = + - @ would run as a
    # formula in a spreadsheet, so it gets a leading apostrophe (as in the API's CSV).
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
