"""The statements page's CSV download, in the statement page's words (SPEC 10): whose statement it is,
each line as services/line_names.py names it, days and times in the reader's zone. The API's CSV
(app/api/serializers.py) stays the one for programs: ledger codes and ISO UTC times."""

from __future__ import annotations

import csv
import io

from flask import Response

from app.spreadsheet import decimal_text, safe_cell, statement_filename
from app.web.filters import humanize, localtime
from app.web.zones import user_timezone

COLUMNS = ("Date", "Time", "Description", "Type", "Note", "Amount", "Balance")
DECLINED_COLUMNS = ("Date", "Time", "Description", "Reason", "Amount")


def statement_download(statement, account, holder: str, month_label: str, names) -> Response:
    """The statement as a CSV attachment; ``names`` are the lines' words, by entry id."""
    response = Response(_text(statement, account, holder, month_label, names), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{statement_filename(statement)}"'
    response.headers["Cache-Control"] = "no-store"  # a statement is private
    return response


def _text(statement, account, holder, month_label, names) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(
        [
            ["Corebank statement"],
            ["Account holder", safe_cell(holder)],
            ["Account", f"{humanize(account.type)} {account.number}"],
            ["Month", month_label],
            ["Currency", statement.currency],
            ["Times in", user_timezone()],
            ["Opening balance", decimal_text(statement.opening_balance_cents)],
            ["Money in", decimal_text(statement.total_credits_cents)],
            ["Money out", decimal_text(statement.total_debits_cents)],
            ["Closing balance", decimal_text(statement.closing_balance_cents)],
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
                safe_cell(name.title),
                name.kind,
                safe_cell(name.note),
                decimal_text(line.amount_cents),
                decimal_text(line.balance_after_cents),
            ]
        )
    if statement.declined:
        writer.writerows([[], ["Declined operations (nothing moved; not in the totals)"], DECLINED_COLUMNS])
        for item in statement.declined:
            title = safe_cell(names[item.entry_id].title)
            amount = decimal_text(item.amount_cents)
            writer.writerow([*_when(item.created_at), title, humanize(item.decline_reason), amount])
    return buffer.getvalue()


def _when(created_at: str) -> tuple[str, str]:
    """The day and the time with its zone, as the statement page shows them ("04 Dec 2026", "14:05 CET")."""
    return localtime(created_at, "%d %b %Y"), localtime(created_at, "%H:%M %Z")
