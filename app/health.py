"""Liveness and readiness, outside /api/v1, unauthenticated and not rate-limited."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from repository import db, migrations

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        conn = db.connect(current_app.config["DATABASE_URL"], busy_timeout_ms=2000)
        try:
            version = migrations.current_version(conn)
        finally:
            conn.close()
    except Exception:  # any database failure means "not ready"
        return jsonify(status="unavailable", database="unreachable"), 503
    latest = migrations.latest_version()
    if version != latest:
        return jsonify(status="unavailable", database="ok", schema_version=version, expected=latest), 503
    return jsonify(status="ok", database="ok", schema_version=version)
