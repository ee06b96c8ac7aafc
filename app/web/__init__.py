"""HTMX page blueprints, one module per area."""

from __future__ import annotations


def register_web(app) -> None:
    from app.web import pages

    app.register_blueprint(pages.bp)
