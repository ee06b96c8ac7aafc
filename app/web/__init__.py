"""HTMX page blueprints, one module per area."""

from __future__ import annotations

from importlib import import_module

from app.errors import set_web_renderer

AREAS = (
    "auth",
    "dashboard",
    "accounts",
    "account_actions",
    "transfers",
    "teller_transfers",
    "settings",
    "teller",
    "admin",
    "cards",
    "statements",
    "holds",
    "approvals",
    "webhooks",
    "account_events",
)


def register_web(app) -> None:
    from app.web import filters
    from app.web.errors import web_error

    set_web_renderer(web_error)  # page requests hear errors as pages and toasts
    filters.init_app(app)
    for area in AREAS:
        app.register_blueprint(import_module(f"app.web.{area}").bp)

    @app.after_request
    def page_headers(response):
        if response.mimetype == "text/html":
            # The same URL answers a page or a fragment, and pages show private data.
            response.vary.add("HX-Request")
            response.headers["Cache-Control"] = "no-store"
        return response
