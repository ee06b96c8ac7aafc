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
    """Ready when the database answers at the latest schema version and, when rate limits are kept
    in Redis (RATELIMIT_STORAGE_URI), Redis answers too (SPEC section 17)."""
    database_url = current_app.config["DATABASE_URL"]
    backend = db.backend(database_url)
    try:
        conn = backend.acquire()
        broken = False
        try:
            version = migrations.current_version(conn)
        except Exception:
            broken = True
            raise
        finally:
            backend.release(conn, broken=broken)
    except Exception:  # any database failure means "not ready"
        return jsonify(status="unavailable", database="unreachable"), 503
    latest = migrations.latest_version(backend.name)
    if version != latest:
        return jsonify(status="unavailable", database="ok", schema_version=version, expected=latest), 503
    body = {"status": "ok", "database": "ok", "schema_version": version}
    storage = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith(("redis://", "rediss://")):
        if not _redis_answers(storage):
            return jsonify(status="unavailable", database="ok", schema_version=version, redis="unreachable"), 503
        body["redis"] = "ok"
    return jsonify(body)


def _redis_answers(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # unreachable, refused, timed out, auth: not ready
        return False
