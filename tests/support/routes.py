"""The routes outside SPEC 15's enrolment path, enumerated from the URL map."""

from __future__ import annotations

import re

from app.auth import FACTOR_FREE_BLUEPRINTS, FACTOR_FREE_ENDPOINTS


def staff_routes(app, prefix: str):
    """(method, path) of every route outside the enrolment path, ids filled with 1."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint in FACTOR_FREE_ENDPOINTS or endpoint.partition(".")[0] in FACTOR_FREE_BLUEPRINTS:
            continue
        if not rule.rule.startswith(prefix) or (prefix == "/" and rule.rule.startswith("/api/")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "2026-01" if m.group(1) == "month" else "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, endpoint
