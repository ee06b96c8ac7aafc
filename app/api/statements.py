"""GET /accounts/{id}/statements/{YYYY-MM} as JSON or (?format=csv) as a CSV download."""

from __future__ import annotations

from flask import Response

from app.api import serializers as out
from app.api.blueprint import bp
from app.api.registry import json_response, operation, parse_query
from app.api.schemas import StatementQuery
from app.auth import require_actor, services
from app.spreadsheet import statement_filename


def csv_response(statement) -> Response:
    """The statement as a CSV attachment (shared with the web statements page)."""
    response = Response(out.statement_csv(statement), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{statement_filename(statement)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@operation(
    bp,
    "GET",
    "/accounts/<int:account_id>/statements/<month>",
    "Monthly statement (month as YYYY-MM, UTC); ?format=csv for a CSV download",
    tag="accounts",
    query=StatementQuery,
    response="Statement",
    errors=(401, 404, 422),
    extra={"content": {"text/csv": {"schema": {"type": "string"}}}},
)
def statement(account_id: int, month: str):
    actor = require_actor()
    query = parse_query(StatementQuery)
    result = services().statements.monthly(actor, account_id, month)
    if query.format == "csv":
        return csv_response(result)
    return json_response(out.statement(result))
